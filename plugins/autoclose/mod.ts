/**
 * `autoclose`: a dialog that stays 🟨 (operators answered last) for `autoclose` hours without a
 * new user message is closed. The deadline is a durable timer row: it survives restarts and is
 * fired by the bot's timer service against the injected clock.
 */
import { definePlugin } from "../../src/mod.ts";

/** The built-in autoclose plugin. */
export default definePlugin({
  name: "autoclose",
  create: (_options, { bot }) => ({
    onTransition(ctx) {
      const hours = bot.params.autoclose;
      if (!Number.isFinite(hours)) return;
      if (ctx.to.state === "topic-open" && ctx.to.status === "support_answered") {
        return { effects: [{ type: "setTimer", kind: "autoclose", dueAt: ctx.now + hours * 3_600_000 }] };
      }
      if (ctx.from?.status === "support_answered") return { effects: [{ type: "clearTimer", kind: "autoclose" }] };
    },
    timers: {
      autoclose(ctx) {
        if (ctx.conversation.state !== "topic-open" || ctx.conversation.status !== "support_answered") return;
        const hours = bot.params.autoclose;
        return {
          intents: [{ type: "sendToTopic", text: `⬛️ Closed automatically: no message from the user for ${formatHours(hours)}.` }],
          events: [{ type: "dialog.close", reason: "autoclose" }],
        };
      },
    },
  }),
});

function formatHours(hours: number): string {
  return hours < 1 ? `${Math.round(hours * 60)} minutes` : `${+hours.toFixed(2)} hour${hours === 1 ? "" : "s"}`;
}
