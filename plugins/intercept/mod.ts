/**
 * `intercept`: in parallel mode, what the other system sends to a user with an open topic is
 * shown in that topic, marked with 🤖 — text with its buttons rendered as text, anything else
 * copied from the user's chat. `intercept: false` hides it. Operators' replies never reach the
 * other system (the proxy does not forward the operators' group to it). Every interception is
 * counted per conversation, shown or not; `/info` shows the count.
 */
import type { InlineKeyboardMarkup, Message, ReplyKeyboardMarkup } from "@grammyjs/types";
import { definePlugin } from "../../src/mod.ts";

/** Buttons as text lines: `[Billing] [Support]`. */
export function renderButtons(markup: Message["reply_markup"] | ReplyKeyboardMarkup | undefined): string {
  const rows = (markup as InlineKeyboardMarkup | undefined)?.inline_keyboard ?? (markup as ReplyKeyboardMarkup | undefined)?.keyboard ?? [];
  return rows.map((row) => row.map((b) => `[${typeof b === "string" ? b : b.text}]`).join(" ")).join("\n");
}

/** How many of the other system's messages this conversation has had (shown by `/info`). */
export function interceptedCount(data: Readonly<Record<string, unknown>>): number {
  const value = data.intercept as { count?: unknown } | undefined;
  return typeof value?.count === "number" ? value.count : 0;
}

/** The built-in intercept plugin. */
export default definePlugin({
  name: "intercept",
  create: (_options, { bot }) => ({
    onEvent(ctx) {
      if (ctx.event.type !== "bot.intercepted") return;
      // Counted whether shown or not: operators see in /info how much the other system handled.
      const effects = [{ type: "setData" as const, plugin: "intercept", value: { count: interceptedCount(ctx.conversation.data) + 1 } }];
      if (!bot.params.intercept || ctx.conversation.state !== "topic-open") return { effects };
      const m = ctx.event.message;
      const buttons = renderButtons(m.reply_markup);
      const tail = buttons ? `\n${buttons}` : "";
      if (m.text !== undefined) return { effects, intents: [{ type: "sendToTopic", text: `🤖 ${m.text}${tail}` }] };
      return {
        effects,
        intents: [
          { type: "sendToTopic", text: `🤖 The bot sent:${m.caption ? ` ${m.caption}` : ""}${tail}` },
          { type: "copyToTopic", messageId: m.message_id },
        ],
      };
    },
  }),
});
