/**
 * `moderation`: `ignore_chats` (default 777000, Telegram's service account) and `white_list`
 * decide whose messages are accepted at all; `restricted_keywords_frontend` keeps matching user
 * messages out of the topic. `/ban` and `/unban` are the machine's own `banned` state.
 */
import { definePlugin } from "../../src/mod.ts";

const userEvents = new Set(["user.message", "user.edited", "user.reacted"]);

/** The built-in moderation plugin. */
export default definePlugin({
  name: "moderation",
  create: (_options, { bot }) => ({
    accept(ctx) {
      if (!userEvents.has(ctx.event.type)) return;
      const chat = ctx.conversation.chatId;
      if (bot.params.ignore_chats.includes(chat)) return false;
      if (bot.params.white_list.length > 0 && !bot.params.white_list.includes(chat)) return false;
    },
    mayRelay(ctx) {
      const words = bot.params.restricted_keywords_frontend;
      if (words.length === 0 || ctx.event.type !== "user.message") return;
      const text = (ctx.event.message.text ?? ctx.event.message.caption ?? "").toLowerCase();
      return !words.some((w) => text.includes(w.toLowerCase()));
    },
  }),
});
