/**
 * `welcome`: greets the user when a topic opens for them — on first contact and on every
 * reopening by a user message — with `{title}` replaced by the user's full name. `off` disables.
 * A text with Telegram's HTML tags (`<b>`, `<i>`, `<a href="…">` …) is sent as HTML, the name
 * escaped; if Telegram cannot parse it, it still goes out as plain text. Monitored groups and
 * channels are never greeted: the bot only watches them.
 */
import { definePlugin, displayName } from "../../src/mod.ts";

const telegramHtml = /<\/?(b|strong|i|em|u|ins|s|strike|del|code|pre|a|tg-spoiler|blockquote)\b[^>]*>/i;
const escapeHtml = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** The welcome for a user: plain, or HTML when the configured text uses Telegram's tags. */
export function welcomeFor(template: string, name: string): { text: string; parseMode?: "HTML" } {
  return telegramHtml.test(template)
    ? { text: template.replaceAll("{title}", escapeHtml(name)), parseMode: "HTML" }
    : { text: template.replaceAll("{title}", name) };
}

/** The built-in welcome plugin. */
export default definePlugin({
  name: "welcome",
  create: (_options, { bot }) => ({
    onTransition(ctx) {
      const template = bot.params.welcome;
      if (template === null || ctx.event.type !== "user.message" || ctx.conversation.user.chatKind) return;
      if (ctx.to.state !== "topic-open" || ctx.from?.state === "topic-open") return;
      return { intents: [{ type: "sendToUser", ...welcomeFor(template, displayName(ctx.conversation.user)) }] };
    },
  }),
});
