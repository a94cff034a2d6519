/**
 * Value schemas that several parameters and options share: a flag, a phrase, a list of chat ids,
 * "one or many". Each is a {@link lenient} schema, so it decodes Hotline's spellings and refuses
 * with one clear line.
 */
import * as JSONSchema from "effect/JSONSchema";
import * as ParseResult from "effect/ParseResult";
import * as Schema from "effect/Schema";
import { lenient, refuse, type WrittenAs } from "./lenient.ts";
import { asFlag, asInteger, asPhrase, describeValue } from "./spellings.ts";

/** A `${NAME}` reference: in the file, any value may be one (it is read from the environment). */
export const ENV_REFERENCE: WrittenAs = {
  type: "string",
  pattern: "\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}",
  description: "${NAME} or ${NAME:-default}, read from the environment",
};

/** Any of these ways of writing a value; nested bare `anyOf`s are flattened for readable output. */
export function anyOf(...alternatives: WrittenAs[]): WrittenAs {
  const flat = alternatives.flatMap((a) => ("anyOf" in a && Object.keys(a).length === 1 ? (a.anyOf as WrittenAs[]) : [a]));
  return flat.length === 1 ? flat[0] : { anyOf: flat };
}

/** `written`, or a `${NAME}` reference standing for it. */
export function orEnv(written: WrittenAs): WrittenAs {
  return anyOf(written, ENV_REFERENCE);
}

/** A case-insensitive, whitespace-tolerant JSON Schema pattern for exactly these words. */
export function wordsPattern(words: readonly string[]): string {
  const ci = (w: string) => [...w].map((c) => (/[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))).join("");
  return `^\\s*(${words.map(ci).join("|")})\\s*$`;
}

/** The JSON Schema of what may be written for `schema` (its `jsonSchema` annotation, for lenient ones). */
export function writtenAs(schema: Schema.Schema.Any): WrittenAs {
  const definitions: Record<string, JSONSchema.JsonSchema7> = {};
  const out = JSONSchema.fromAST(schema.ast, { definitions, topLevelReferenceStrategy: "skip" }) as unknown as WrittenAs;
  // Named sub-schemas would need their $defs carried along; nothing shared here uses them.
  return Object.keys(definitions).length === 0 ? out : {};
}

/** true/false, also yes/no, on/off and 1/0 in any case. */
export const Flag: Schema.Schema<boolean, unknown> = lenient(Schema.Boolean, {
  input: anyOf({ type: "boolean" }, { type: "string", pattern: wordsPattern(["true", "false", "yes", "no", "on", "off"]) }, { enum: [0, 1] }, ENV_REFERENCE),
  decode: (written) => asFlag(written) ?? refuse(`expected true or false, got ${describeValue(written)}`),
});

/** A non-empty word or phrase; numbers count too, since YAML reads `2024` as a number. */
export const Phrase: Schema.Schema<string, unknown> = lenient(Schema.String, {
  input: anyOf({ type: "string", minLength: 1 }, { type: "number" }),
  decode: (written) => asPhrase(written) ?? refuse(`expected a word or phrase, got ${describeValue(written)}`),
});

/**
 * User or chat ids: a list, a single id, or a comma-separated string (as pasted from Hotline);
 * numbers may be written as strings. Duplicates collapse.
 */
export const ChatIds: Schema.Schema<readonly number[], unknown> = lenient(Schema.Array(Schema.Number), {
  input: anyOf(
    { type: "integer" },
    { type: "string", pattern: "^\\s*[+-]?\\d+(\\s*,\\s*[+-]?\\d+)*\\s*$" },
    ENV_REFERENCE,
    { type: "array", items: anyOf({ type: "integer" }, { type: "string", pattern: "^\\s*[+-]?\\d+\\s*$" }, ENV_REFERENCE) },
  ),
  decode: (written) => {
    const items = typeof written === "string" && written.includes(",") ? written.split(",") : Array.isArray(written) ? written : [written];
    const ids: number[] = [];
    const refusals = items.flatMap((item, i) => {
      const id = asInteger(item);
      if (id !== undefined) {
        if (!ids.includes(id)) ids.push(id);
        return [];
      }
      const message = `expected a user or chat id (a number), got ${describeValue(item)}`;
      return [{ message, actual: item, ...(Array.isArray(written) ? { at: [i] } : {}) }];
    });
    return refusals.length > 0 ? refuse(...refusals) : ids;
  },
});

/**
 * A list of `item`s, where a single item stands for a one-item list (as Hotline's parameters
 * allow). Problems inside a list name the item's index; a single item's problems name the value.
 */
export function oneOrMany<A>(item: Schema.Schema<A, unknown>): Schema.Schema<readonly A[], unknown> {
  const list = Schema.Array(item);
  const written = writtenAs(item);
  return Schema.transformOrFail(Schema.Unknown, Schema.typeSchema(list), {
    strict: true,
    decode: (value, options) =>
      Array.isArray(value)
        ? ParseResult.decodeUnknown(list)(value, options)
        : ParseResult.map(ParseResult.decodeUnknown(item)(value, options), (one) => [one]),
    encode: (values) => ParseResult.succeed(values),
  }).annotations({ jsonSchema: anyOf(written, { type: "array", items: written }) });
}
