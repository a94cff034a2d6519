/**
 * The Topics API's request bodies, decoded with effect/Schema: a body that is not JSON, or not
 * the expected shape, is a 400 naming the first problem (`text: Expected a string …`). Unknown
 * fields are refused too, so a misspelt field never silently does nothing.
 */
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest";
import * as Effect from "effect/Effect";
import * as Either from "effect/Either";
import * as ParseResult from "effect/ParseResult";
import * as Schema from "effect/Schema";
import { readBody } from "../../platform/read-body.ts";
import { ApiError } from "./errors.ts";

/** The longest body read: a Telegram text is at most 4096 characters. */
const maxBodyBytes = 64 * 1024;

/** A message text as Telegram takes it. */
const Text = Schema.String.pipe(Schema.minLength(1, { message: () => "text must not be empty" }), Schema.maxLength(4096, { message: () => "text is longer than Telegram's 4096 characters" }));

/** A label name as the labels plugin takes it. */
const LabelName = Schema.String.pipe(Schema.pattern(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, { message: () => "a label name starts with a Latin letter, then letters, digits, - or _ (at most 32)" }));

/** `POST …/incoming`: a message as if the user wrote it; `user` names a user never seen. */
export const IncomingBody = Schema.Struct({
  text: Text,
  user: Schema.optional(Schema.Struct({
    first_name: Schema.String.pipe(Schema.minLength(1)),
    last_name: Schema.optional(Schema.String),
    username: Schema.optional(Schema.String),
    language_code: Schema.optional(Schema.String),
  })),
});

/** `POST …/messages`: a text to the user, as an operator. */
export const MessageBody = Schema.Struct({ text: Text });

/** `POST …/close` and `…/reopen`: nothing (an empty body or `{}`). */
export const EmptyBody = Schema.Unknown.pipe(
  Schema.filter((v) => (typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0) || "this call takes no fields: send no body, or {}"),
);

/** `POST …/labels`: labels to set and to remove (at least one). */
export const LabelsBody = Schema.Struct({
  add: Schema.optionalWith(Schema.Array(LabelName), { default: () => [] }),
  remove: Schema.optionalWith(Schema.Array(LabelName), { default: () => [] }),
}).pipe(Schema.filter((b) => b.add.length + b.remove.length > 0 || "name at least one label in add or remove"));

/** Hotline's `topic_action` call: the action, the group (as in `t.me/c/<group_id>/<topic_id>`) and the topic. */
export const TopicActionBody = Schema.Struct({
  action: Schema.String,
  group_id: Schema.optional(Schema.Union(Schema.Int, Schema.NumberFromString)),
  topic_id: Schema.optional(Schema.Union(Schema.Int, Schema.NumberFromString)),
  user_id: Schema.optional(Schema.Union(Schema.Int, Schema.NumberFromString)),
  /** Switchboard's bot id (Hotline's instance). */
  instance: Schema.optional(Schema.Union(Schema.String, Schema.Number)),
});

/** The first problem of a failed decode, as `path: message`. */
function problemOf(error: ParseResult.ParseError): string {
  const first = ParseResult.ArrayFormatter.formatErrorSync(error)[0];
  if (!first) return "the body does not have the expected shape";
  return first.path.length > 0 ? `${first.path.join(".")}: ${first.message}` : first.message;
}

/** The request's text, at most {@link maxBodyBytes}. */
export const bodyText = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<string, ApiError> =>
  readBody(request, maxBodyBytes).pipe(
    Effect.map((bytes) => new TextDecoder().decode(bytes)),
    Effect.mapError((e) => new ApiError({ status: e._tag === "BodyTooLarge" ? 413 : 400, message: e._tag === "BodyTooLarge" ? `the body is larger than ${maxBodyBytes} bytes` : "the body could not be read" })),
  );

/**
 * Decodes `text` (empty = `{}`) with `schema`; `extra: "ignore"` lets fields pass that other
 * clients send (Hotline's `api_key`, say).
 */
export function decodeBody<A, I>(schema: Schema.Schema<A, I>, text: string, extra: "error" | "ignore" = "error"): Effect.Effect<A, ApiError> {
  let parsed: unknown;
  try {
    parsed = text.trim() === "" ? {} : JSON.parse(text);
  } catch (e) {
    return Effect.fail(new ApiError({ status: 400, message: `the body is not JSON: ${e instanceof Error ? e.message : String(e)}` }));
  }
  const result = Schema.decodeUnknownEither(schema, { onExcessProperty: extra, errors: "first" })(parsed);
  return Either.isRight(result) ? Effect.succeed(result.right) : Effect.fail(new ApiError({ status: 400, message: problemOf(result.left) }));
}
