/**
 * `info-card`: `/info` in a user's topic posts the card; `auto_info` posts it when the topic is
 * created. Under `hide_info: [command]`, `/info` goes only as a private message to an operator
 * allowed by `extensions_allowed` (empty = every operator).
 */
import { definePlugin, displayName } from "../../src/mod.ts";
import { hiddenNameOf } from "../hide-info/shown.ts";
import { startParamFor } from "../start-param/mod.ts";
import { infoCard } from "./card.ts";

/** The built-in info-card plugin. */
export default definePlugin({
  name: "info-card",
  create: (_options, { bot }) => {
    const hidden = () => bot.params.hide_info;
    const nameOf = (user: Parameters<typeof displayName>[0]) => hiddenNameOf(bot.id, hidden(), user) ?? displayName(user);
    // A group's or channel's card ends with its member count, which delivery asks Telegram for.
    const card = (ctx: Parameters<typeof startParamFor>[0]) => {
      const text = infoCard(ctx.conversation, bot.params, nameOf(ctx.conversation.user), startParamFor(ctx));
      return ctx.conversation.user.chatKind ? { text, withMemberCount: true } : { text };
    };
    return {
      commands: {
        info: {
          help: "/info — the user's card",
          where: "topic",
          run(ctx) {
            if (!hidden().includes("command")) return { intents: [{ type: "sendToTopic", ...card(ctx) }] };
            const operator = ctx.event.type === "operator.command" ? ctx.event.message.from?.id : undefined;
            const allowed = bot.params.extensions_allowed;
            if (operator === undefined || (allowed.length > 0 && !allowed.includes(operator))) {
              return { intents: [{ type: "sendToTopic", text: "/info is restricted here: only allowed operators get it, by private message." }] };
            }
            return { intents: [{ type: "sendToOperator", operatorId: operator, text: card(ctx).text }] };
          },
        },
      },
      onTransition(ctx) {
        const created = ctx.intents.some((i) => i.type === "createTopic");
        if (!bot.params.auto_info || !created) return;
        return { intents: [{ type: "sendToTopic", ...card(ctx) }] };
      },
    };
  },
});
