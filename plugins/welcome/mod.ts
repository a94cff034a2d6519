/**
 * `welcome`: greets the user when a topic opens for them — on first contact and on every
 * reopening by a user message — with `{title}` replaced by the user's full name. `off` disables.
 */
import { definePlugin } from "../../src/mod.ts";
import { displayName } from "../../src/conversation/title.ts";

/** The built-in welcome plugin. */
export default definePlugin({
  name: "welcome",
  create: (_options, { bot }) => ({
    onTransition(ctx) {
      const text = bot.params.welcome;
      if (text === null || ctx.event.type !== "user.message") return;
      if (ctx.to.state !== "topic-open" || ctx.from?.state === "topic-open") return;
      return { intents: [{ type: "sendToUser", text: text.replaceAll("{title}", displayName(ctx.conversation.user)) }] };
    },
  }),
});
