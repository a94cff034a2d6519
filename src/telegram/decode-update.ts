/**
 * Deciding, at the edge, whether an update can go into the inbox: it must decode against the
 * fields Switchboard reads (`update-schema.ts`) and be storable as JSON. The answer is the update
 * with its stored text, or why not with what to keep of it in the dead-letter table. Nothing
 * here throws, whatever the input.
 *
 * The decode only proves the read fields' types; the update kept is the one that came, with all
 * its fields (plugins and relaying may use more than the router reads). The checks are built
 * once: a well-formed update is checked by a guard compiled from the schema (no allocation),
 * and only an update it refuses goes through Effect's decoder, to say why.
 */
import type { Update } from "@grammyjs/types";
import * as Either from "effect/Either";
import * as ParseResult from "effect/ParseResult";
import * as Schema from "effect/Schema";
import { compileGuard } from "../util/schema-guard.ts";
import { OwnUpdate, TelegramUpdate } from "./update-schema.ts";

/**
 * Who made an update: Telegram (polling, webhook: positive ids), Switchboard itself (MTProto,
 * intercepted messages: negative ids), or either, for rows read back from the inbox.
 */
export type UpdateOrigin = "telegram" | "own" | "stored";

/** An update fit for the inbox, and the text to store. */
export interface Decoded {
  readonly ok: true;
  readonly update: Update;
  readonly payload: string;
}

/** What cannot go into the inbox: its id if it has a usable one, why, and its raw JSON text. */
export interface Undecodable {
  readonly ok: false;
  readonly updateId: number | null;
  readonly reason: string;
  readonly raw: string;
}

/** The longest raw text kept for a dead letter; Telegram's own updates are far smaller. */
export const maxRawChars = 1024 * 1024;

/** The longest reason kept (a reason quotes the offending value, which may be huge). */
const maxReasonChars = 300;

// Compiled guards: the same answer as `Schema.is`, without building a decoded copy to throw away.
const isTelegram = compileGuard(TelegramUpdate);
const isOwn = compileGuard(OwnUpdate);
const decodeTelegram = Schema.decodeUnknownEither(TelegramUpdate);
const decodeOwn = Schema.decodeUnknownEither(OwnUpdate);

/**
 * What a source received but could not even parse safely (a body nested deeper than any update):
 * handed to the inbox in place of the value, it becomes a dead letter with this reason and the
 * text as received.
 */
export class Unreadable {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

/**
 * Decodes `raw` (a parsed update, or an `Unreadable`) from `origin`. `text` is its JSON as received, when the source
 * has it (the webhook's body, an inbox row): it is stored as it is, and a dead letter keeps
 * exactly that.
 */
export function decodeUpdate(raw: unknown, origin: UpdateOrigin, text?: string): Decoded | Undecodable {
  if (raw instanceof Unreadable) return undecodable(undefined, raw.reason, text);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return undecodable(raw, `update: expected an object, got ${raw === null ? "null" : Array.isArray(raw) ? "an array" : typeof raw}`, text);
  const own = origin === "own" || (origin === "stored" && isNegativeId(raw));
  // The type check is the fast path; the decoder runs again only to say what is wrong.
  if (!(own ? isOwn(raw) : isTelegram(raw))) {
    const result = (own ? decodeOwn : decodeTelegram)(raw);
    const reason = Either.isLeft(result) ? reasonOf(result.left) : "update: does not decode";
    return undecodable(raw, reason, text);
  }
  // The text as received is what is stored, when there is one (parsing it again is safe).
  const payload = text ?? stringify(raw);
  if (payload instanceof Error) return undecodable(raw, `update: cannot be stored as JSON (${payload.message})`, text);
  return { ok: true, update: raw as Update, payload };
}

/** Decodes an inbox row's stored text (rows saved by older versions were never decoded). */
export function decodeStored(payload: string): Decoded | Undecodable {
  const parsed = parse(payload);
  if (parsed instanceof Error) return { ok: false, updateId: null, reason: `update: stored text is not JSON (${parsed.message})`, raw: capped(payload) };
  return decodeUpdate(parsed, "stored", payload);
}

/** The update id of something that failed to decode, if it has a usable one. */
export function updateIdOf(raw: unknown): number | null {
  const id = raw !== null && typeof raw === "object" ? (raw as { update_id?: unknown }).update_id : undefined;
  return typeof id === "number" && Number.isSafeInteger(id) ? id : null;
}

const isNegativeId = (raw: unknown): boolean => {
  const id = updateIdOf(raw);
  return id !== null && id < 0;
};

function undecodable(raw: unknown, reason: string, text: string | undefined): Undecodable {
  const json = text ?? stringify(raw);
  return {
    ok: false,
    updateId: updateIdOf(raw),
    reason: reason.length > maxReasonChars ? `${reason.slice(0, maxReasonChars)}…` : reason,
    raw: json instanceof Error ? `(not storable as JSON: ${json.message})` : capped(json),
  };
}

/** `path: message` of the first problem, e.g. `message.chat.id: Expected number, actual true`. */
function reasonOf(error: ParseResult.ParseError): string {
  // The message quotes the offending value, and Effect's formatter recurses into it: a value
  // nested thousands deep overflows the stack there. The update is set aside all the same.
  let first: ParseResult.ArrayFormatterIssue | undefined;
  try {
    first = ParseResult.ArrayFormatter.formatErrorSync(error)[0];
  } catch {
    return "update: a field Switchboard reads has the wrong type (its value is nested too deeply to show)";
  }
  if (!first) return "update: does not decode";
  return `${first.path.length > 0 ? first.path.join(".") : "update"}: ${first.message}`;
}

const capped = (text: string): string =>
  text.length > maxRawChars ? `${text.slice(0, maxRawChars)}… (truncated; ${text.length} characters in all)` : text;

// Deep nesting overflows the stack of JSON.stringify on Node 20 (and cycles cannot be written):
// such an update is set aside, not a reason for the whole batch to fail.
function stringify(value: unknown): string | Error {
  try {
    const text = JSON.stringify(value);
    return typeof text === "string" ? text : new Error("nothing to write");
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
