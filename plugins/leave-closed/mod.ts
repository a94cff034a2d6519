/**
 * `leave_closed`: closed dialogs stay closed when the chat writes again (the message is still
 * relayed into the closed topic), and new topics are created closed — with no welcome, because
 * the welcome greets only a dialog that opens. Hotline's words narrow it to private chats,
 * monitored groups or channels.
 */
import { conversationKindOf, definePlugin } from "../../src/mod.ts";
import { leavesClosed } from "./params.ts";

/** The built-in leave-closed plugin. */
export default definePlugin({
  name: "leave-closed",
  create: (_options, { bot }) => ({
    mayReopen(ctx) {
      if (ctx.event.type !== "user.message") return;
      if (leavesClosed(bot.params.leave_closed, conversationKindOf(ctx.conversation.user))) return false;
    },
  }),
});
