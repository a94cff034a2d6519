/**
 * `keyword-gate` (`private_keywords`): a topic opens, or a closed one reopens, only for a user
 * message that matches the rules. Messages before the match are not relayed later (in parallel
 * mode the other system handled them); after a close, gating applies again.
 */
import { definePlugin } from "../../src/mod.ts";
import { matchesKeywords } from "./rules.ts";

/** The built-in keyword gate. */
export default definePlugin({
  name: "keyword-gate",
  create: (_options, { bot }) => ({
    mayOpen(ctx) {
      const rules = bot.params.private_keywords;
      if (rules.length === 0 || ctx.event.type !== "user.message") return;
      if (ctx.conversation.state === "topic-open") return; // an open dialog is not gated
      const m = ctx.event.message;
      return matchesKeywords(rules, m.text ?? m.caption ?? "");
    },
  }),
});
