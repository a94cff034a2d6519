/**
 * `leave_closed`: closed dialogs stay closed when the user writes again (the message is still
 * relayed into the closed topic), and new topics are created closed — with no welcome, because
 * the welcome greets only a dialog that opens.
 */
import { definePlugin } from "../../src/mod.ts";

/** The built-in leave-closed plugin. */
export default definePlugin({
  name: "leave-closed",
  create: (_options, { bot }) => ({
    mayReopen(ctx) {
      if (bot.params.leave_closed && ctx.event.type === "user.message") return false;
    },
  }),
});
