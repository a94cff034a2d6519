/**
 * `intercept`: in parallel mode, what the other system sends to a user with an open topic is
 * shown in that topic, marked with 🤖 — text with its buttons rendered as text, anything else
 * copied from the user's chat. `intercept: false` hides it. Operators' replies never reach the
 * other system (the proxy does not forward the operators' group to it). Every interception is
 * counted per conversation, shown or not; `/info` shows the count. The topic copy is paired with
 * the original, so the other system's edits update it, and replies map both ways.
 */
import type { InlineKeyboardMarkup, Message, MessageEntity, ReplyKeyboardMarkup } from "@grammyjs/types";
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

/** "🤖 " before the text: the robot is two UTF-16 units, plus the space. */
const MARK = "🤖 ";

/** The topic's view of an intercepted text: marked, entities shifted, buttons as text lines. */
function rendered(m: Message): { text: string; entities?: MessageEntity[] } {
  const buttons = renderButtons(m.reply_markup);
  const entities = m.entities?.map((e) => ({ ...e, offset: e.offset + MARK.length }));
  return { text: `${MARK}${m.text ?? ""}${buttons ? `\n${buttons}` : ""}`, ...(entities?.length ? { entities } : {}) };
}

/** The built-in intercept plugin. */
export default definePlugin({
  name: "intercept",
  create: (_options, { bot }) => ({
    onEvent(ctx) {
      const shown = bot.params.intercept && ctx.conversation.state === "topic-open";
      if (ctx.event.type === "bot.intercepted_edit") {
        if (!shown) return;
        // The topic copy is paired with the original, so the edit finds it (or is dropped if it was never shown).
        const m = ctx.event.message;
        if (m.text !== undefined) return { intents: [{ type: "editInTopic", userMessageId: m.message_id, ...rendered(m) }] };
        return { intents: [{ type: "editInTopic", userMessageId: m.message_id, caption: m.caption ?? "", ...(m.caption_entities ? { entities: m.caption_entities } : {}) }] };
      }
      if (ctx.event.type !== "bot.intercepted") return;
      // Counted whether shown or not: operators see in /info how much the other system handled.
      const effects = [{ type: "setData" as const, plugin: "intercept", value: { count: interceptedCount(ctx.conversation.data) + 1 } }];
      if (!shown) return { effects };
      const m = ctx.event.message;
      if (m.text !== undefined) return { effects, intents: [{ type: "sendToTopic", ...rendered(m), pairWith: m.message_id }] };
      const buttons = renderButtons(m.reply_markup);
      return {
        effects,
        intents: [
          { type: "sendToTopic", text: `${MARK}The bot sent:${m.caption ? ` ${m.caption}` : ""}${buttons ? `\n${buttons}` : ""}` },
          { type: "copyToTopic", messageId: m.message_id },
        ],
      };
    },
  }),
});
