/**
 * A command webhook's answer: what the endpoint sent back for an operator's `/command`, posted
 * into the topic as Hotline does. The answer is a JSON object in the 2xx response body:
 *
 *   { "text": "Invoice #42 sent" }
 *   { "text": "<b>Invoice</b> #42", "parse_mode": "HTML", "reply_markup": { "inline_keyboard": [[{ "text": "Open", "url": "https://…" }]] } }
 *   { "photo": "<file_id>", "caption": "The invoice" }
 *
 * Anything else — an empty body, text that is not JSON (`ok`), a JSON value that is not an
 * object, an object with nothing to show (`{ "ok": true }`) — acknowledges the command without
 * an answer. An object that tries to answer but cannot be shown gets a short notice instead.
 */
import type { InlineKeyboardMarkup } from "@grammyjs/types";
import * as Either from "effect/Either";
import * as ParseResult from "effect/ParseResult";
import * as Schema from "effect/Schema";

/** An inline button: its label, and whatever else Telegram accepts on it (url, callback_data …). */
const Button = Schema.Struct({ text: Schema.String }, Schema.Record({ key: Schema.String, value: Schema.Unknown }));

/** The fields of an answer Switchboard shows; unknown ones are ignored (receivers may send more). */
const Answer = Schema.Struct({
  text: Schema.optional(Schema.String),
  caption: Schema.optional(Schema.String),
  photo: Schema.optional(Schema.String),
  parse_mode: Schema.optional(Schema.Literal("HTML", "MarkdownV2", "Markdown")),
  reply_markup: Schema.optional(Schema.Struct({ inline_keyboard: Schema.Array(Schema.Array(Button)) })),
});

/** What the topic gets: the message to post (a `sendToTopic` intent's fields), or a notice. */
export type AnswerMessage = {
  text: string;
  parseMode?: "HTML" | "MarkdownV2" | "Markdown";
  replyMarkup?: InlineKeyboardMarkup;
  photo?: string;
};

/** How an answer reads: nothing to show, a message, or why it cannot be shown. */
export type ReadAnswer = { kind: "none" } | { kind: "message"; message: AnswerMessage } | { kind: "invalid"; reason: string };

const none: ReadAnswer = { kind: "none" };

/** Telegram's limits, checked here so the notice can say which one was exceeded. */
const maxText = 4096;
const maxCaption = 1024;

/** Reads a 2xx response body (see the module comment). */
export function readAnswer(body: string): ReadAnswer {
  if (body.trim() === "") return none;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return none; // a plain acknowledgement such as "ok"
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return none;
  if (!("text" in json) && !("photo" in json) && !("caption" in json)) return none;
  const decoded = Schema.decodeUnknownEither(Answer)(json, { onExcessProperty: "ignore" });
  if (Either.isLeft(decoded)) return { kind: "invalid", reason: ParseResult.TreeFormatter.formatErrorSync(decoded.left).replace(/\s+/g, " ").slice(0, 300) };
  const a = decoded.right;
  const text = a.photo !== undefined ? (a.caption ?? a.text ?? "") : (a.text ?? a.caption ?? "");
  if (a.photo === undefined && text.trim() === "") return none;
  if (a.photo !== undefined && text.length > maxCaption) return { kind: "invalid", reason: `the caption is longer than Telegram's ${maxCaption} characters` };
  if (text.length > maxText) return { kind: "invalid", reason: `the text is longer than Telegram's ${maxText} characters` };
  return {
    kind: "message",
    message: {
      text,
      ...(a.parse_mode ? { parseMode: a.parse_mode } : {}),
      ...(a.reply_markup ? { replyMarkup: a.reply_markup as unknown as InlineKeyboardMarkup } : {}),
      ...(a.photo !== undefined ? { photo: a.photo } : {}),
    },
  };
}
