/**
 * A key of a configuration mapping (a Hotline parameter, a plugin option) with its default and
 * its doc text. Absent means the default; so does an empty value (`welcome:` with nothing after
 * it), as in Hotline, unless the key says that nothing is a mistake worth reporting.
 */
import * as ParseResult from "effect/ParseResult";
import * as Schema from "effect/Schema";
import { anyOf, writtenAs } from "./values.ts";

/** What a key says about itself. */
export interface KeyDoc<A> {
  /** The value when the key is absent (or empty). */
  readonly default: A;
  /** One or two sentences for `switchboard schema` (editors show it on hover). */
  readonly description: string;
  /** Typical values as written in the file (editors offer them). */
  readonly examples?: readonly unknown[];
  /**
   * `"default"` (the default): an empty value means the default. `"check"`: an empty value is
   * given to the value schema, which may refuse it (an unquoted `#6FB9F0` is a YAML comment and
   * arrives as nothing; a silent default would hide that).
   */
  readonly whenEmpty?: "default" | "check";
}

/** A key decoded by `value`, defaulted when absent (see {@link KeyDoc}). */
export function param<A>(value: Schema.Schema<A, unknown>, doc: KeyDoc<A>): Schema.PropertySignature<":", A, never, "?:", unknown, true, never> {
  const emptyIsDefault = (doc.whenEmpty ?? "default") === "default";
  const written = emptyIsDefault ? anyOf(writtenAs(value), { type: "null" }) : writtenAs(value);
  const decoded = Schema.transformOrFail(Schema.Unknown, Schema.typeSchema(value), {
    strict: true,
    decode: (input, options) => (input === null && emptyIsDefault ? ParseResult.succeed(doc.default) : ParseResult.decodeUnknown(value)(input, options)),
    encode: (decodedValue, options) => ParseResult.encodeUnknown(value)(decodedValue, options),
  // Examples go with the written form: the JSON Schema shows what to write, not what it decodes to.
  }).annotations({ jsonSchema: doc.examples ? { ...written, examples: doc.examples } : written });
  // A `null` default means "none" (e.g. Telegram's own icon colour): nothing to show as a default.
  const documented = doc.default === null ? {} : { default: doc.default };
  return Schema.optionalWith(decoded, { default: () => doc.default }).annotations({
    description: doc.description,
    ...documented,
  }) as Schema.PropertySignature<":", A, never, "?:", unknown, true, never>;
}
