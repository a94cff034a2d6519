/**
 * `comments` and `reply_only`: a topic message starting with "/ " is an internal comment (the
 * router never relays it); with `reply_only`, only explicit replies to a user's message go out
 * and everything else stays in the topic as a comment.
 */
import { definePlugin } from "../../src/mod.ts";

/** The built-in comments plugin. */
export default definePlugin({
  name: "comments",
  create: (_options, { bot }) => ({
    mayRelay(ctx) {
      if (!bot.params.reply_only || ctx.event.type !== "operator.message") return;
      return ctx.event.replyToTopicMessageId !== undefined;
    },
  }),
});
