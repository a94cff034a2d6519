/**
 * `monitor` (`monitor_private`, `monitor_groups`, `monitor_channels`): which kinds of chat are
 * relayed. The router turns messages of every group and channel into conversations of their own
 * (the chat stands for the user); this gate accepts only the kinds switched on. Operators' events
 * are never refused, so a topic keeps working if a kind is switched off later.
 */
import { type ChatKind, conversationKindOf, definePlugin } from "../../src/mod.ts";

const chatEvents = new Set(["user.message", "user.edited", "user.reacted"]);

/** The built-in monitor plugin. */
export default definePlugin({
  name: "monitor",
  create: (_options, { bot }) => {
    const monitored: Record<"private" | ChatKind, () => boolean> = {
      private: () => bot.params.monitor_private,
      group: () => bot.params.monitor_groups,
      channel: () => bot.params.monitor_channels,
    };
    return {
      accept(ctx) {
        if (!chatEvents.has(ctx.event.type)) return;
        if (!monitored[conversationKindOf(ctx.conversation.user)]()) return false;
      },
    };
  },
});
