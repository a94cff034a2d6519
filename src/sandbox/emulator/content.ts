/**
 * Message content: building it from the control API's compact {@link MessageContent}, and
 * copying it from one message to another (copyMessage keeps content, drops origin and replies).
 */
import type { FileStore } from "./files.ts";
import { FILE_KINDS, mediaFields } from "./files.ts";
import type { MessageContent } from "./types.ts";
import type { Msg } from "./world.ts";

/** Fields that make up a message's content (what copyMessage carries over). */
export const CONTENT_KEYS: readonly string[] = [
  "text",
  "entities",
  "link_preview_options",
  ...FILE_KINDS,
  "caption",
  "caption_entities",
  "show_caption_above_media",
  "has_media_spoiler",
  "location",
  "venue",
  "contact",
  "poll",
  "dice",
];

/** `bot_command` entities for every /command in a text, as Telegram's server adds them. */
export function commandEntities(text: string): { type: "bot_command"; offset: number; length: number }[] {
  return [...text.matchAll(/(^|\s)(\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)(?=$|\s)/g)].map((m) => ({
    type: "bot_command" as const,
    offset: m.index! + m[1].length,
    length: m[2].length,
  }));
}

/** Kinds allowed in an album (media group). */
export const ALBUM_KINDS = new Set(["photo", "video", "document", "audio"]);

let pollCounter = 5_000_000_000;

/** A fresh regular, anonymous poll as Telegram reports it. */
export function makePoll(question: string, options: string[], o: { isAnonymous?: boolean; type?: string; allowsMultiple?: boolean } = {}): Record<string, unknown> {
  return {
    id: String(++pollCounter),
    question,
    options: options.map((text) => ({ text, voter_count: 0 })),
    total_voter_count: 0,
    is_closed: false,
    is_anonymous: o.isAnonymous ?? true,
    type: o.type ?? "regular",
    allows_multiple_answers: o.allowsMultiple ?? false,
  };
}

/** A dice roll; the value range depends on the emoji like on Telegram. */
export function makeDice(emoji = "🎲"): Record<string, unknown> {
  const max = emoji === "🎰" ? 64 : emoji === "🏀" || emoji === "⚽" ? 5 : 6;
  return { emoji, value: 1 + Math.floor(Math.random() * max) };
}

/** Builds message fields from the control API's content description. */
export function contentFromControl(files: FileStore, c: MessageContent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (c.text !== undefined) {
    out.text = c.text;
    // Telegram marks commands itself when the client sent no entities (bots rely on it).
    const entities = c.entities?.length ? c.entities : commandEntities(c.text);
    if (entities.length) out.entities = entities;
  }
  for (const kind of FILE_KINDS) {
    const v = c[kind];
    if (v === undefined) continue;
    const file = v === true ? files.create(kind) : files.adopt(kind, v);
    Object.assign(out, mediaFields(file));
  }
  if (c.caption !== undefined) {
    out.caption = c.caption;
    if (c.caption_entities?.length) out.caption_entities = c.caption_entities;
  }
  if (c.location) out.location = { latitude: c.location.latitude, longitude: c.location.longitude };
  if (c.contact) out.contact = { phone_number: c.contact.phone_number, first_name: c.contact.first_name };
  if (c.poll) out.poll = makePoll(c.poll.question, c.poll.options);
  if (c.dice) out.dice = makeDice(c.dice.emoji);
  if (c.protectContent) out.has_protected_content = true;
  if (c.reply_markup) out.reply_markup = c.reply_markup;
  if (Object.keys(out).length === 0 || (!hasContent(out))) throw new Error("message content is empty");
  return out;
}

/** True when the message has user content (false for service messages such as forum_topic_created). */
export function hasContent(m: Record<string, unknown>): boolean {
  return CONTENT_KEYS.some((k) => m[k] !== undefined);
}

/** The media kind of a message (photo, video, …), if any. */
export function mediaKind(m: Record<string, unknown>): string | undefined {
  // animation before document: animations carry both fields
  if (m.animation) return "animation";
  return FILE_KINDS.find((k) => m[k] !== undefined);
}

/** The content of a message for copying (a deep copy; polls get a new id). */
export function copyContent(m: Msg): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of CONTENT_KEYS) if (m[k] !== undefined) out[k] = JSON.parse(JSON.stringify(m[k]));
  if (out.poll) {
    const p = out.poll as { id: string; options: { voter_count: number }[]; total_voter_count: number };
    p.id = String(++pollCounter);
    for (const o of p.options) o.voter_count = 0;
    p.total_voter_count = 0;
  }
  return out;
}

/** A fresh media_group_id (Telegram's are long digit strings). */
export function newMediaGroupId(): string {
  return `1${String(Date.now()).slice(-9)}${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
}
