/**
 * `keyword-gate` (`private_keywords`, and `groups_keywords` / `channels_keywords` for monitored
 * chats): a topic opens, or a closed one reopens, only for a message that matches the rules of
 * its kind of chat. Messages before the match are not relayed later (in parallel
 * mode the other system handled them); after a close, gating applies again.
 */
import { conversationKindOf, definePlugin } from "../../src/mod.ts";
import { matchesKeywords } from "./rules.ts";

/** The built-in keyword gate. */
export default definePlugin({
  name: "keyword-gate",
  create: (_options, { bot }) => ({
    mayOpen(ctx) {
      const kind = conversationKindOf(ctx.conversation.user);
      const rules = kind === "group" ? bot.params.groups_keywords : kind === "channel" ? bot.params.channels_keywords : bot.params.private_keywords;
      if (rules.length === 0 || ctx.event.type !== "user.message") return;
      if (ctx.conversation.state === "topic-open") return; // an open dialog is not gated
      const m = ctx.event.message;
      return matchesKeywords(rules, m.text ?? m.caption ?? "");
    },
  }),
});
