/**
 * The one way a configuration value is declared: an `effect/Schema` that takes whatever YAML
 * produced (`unknown`), decodes it with a plain function that knows Hotline's lenient spellings,
 * and says precisely what it expected when it refuses. Every Hotline parameter and every option
 * of a built-in plugin is built from it, and a deployer's plugin may use it too.
 *
 * Why not plain Schema unions: `Union(Boolean, Literal("yes", …))` would report one line per
 * member ("Expected boolean, actual …", "Expected "yes", actual …"); a deployer needs the one line
 * "expected true or false, got "maybe"". The decoder says that line itself, and `input` keeps the
 * JSON Schema (what an editor shows and checks) as exact as a union would.
 */
import * as ParseResult from "effect/ParseResult";
import * as Schema from "effect/Schema";

/** One reason a written value is refused. */
export interface Refusal {
  /** What was expected and what was found, e.g. `expected true or false, got "maybe"`. */
  readonly message: string;
  /** Where below the value, e.g. `[3, 1]` for the second word of the fourth rule; the value itself when absent. */
  readonly at?: ReadonlyArray<string | number>;
  /** What stands there (the whole value when `at` is absent); an unset `${VAR}` there is reported instead. */
  readonly actual?: unknown;
}

/** What a decoder returns when it refuses a value: every reason, so all are reported at once. */
export class Refused {
  /** Never empty. */
  readonly refusals: ReadonlyArray<Refusal>;

  constructor(refusals: ReadonlyArray<Refusal>) {
    this.refusals = refusals;
  }
}

/** Refuses a value: a message for the value itself, or {@link Refusal}s for places inside it. */
export function refuse(...reasons: Array<string | Refusal>): Refused {
  return new Refused(reasons.map((r) => (typeof r === "string" ? { message: r } : r)));
}

/** How a value may be written, as the JSON Schema (an object) that `switchboard schema` prints for it. */
export type WrittenAs = { readonly [keyword: string]: unknown };

/** What {@link lenient} needs. */
export interface LenientSpec<A> {
  /** The JSON Schema of what may be written (for editors); the decoder is the authority. */
  readonly input: WrittenAs;
  /** The value, or {@link refuse}(…) saying why not. */
  readonly decode: (written: unknown) => A | Refused;
  /** Back to a written form, for defaults and examples in the JSON Schema; identity when absent. */
  readonly encode?: (value: A) => unknown;
}

/**
 * A configuration value: decodes anything YAML can produce into `to`'s type, with the decoder's
 * own messages. `to` describes the decoded value (and so the TypeScript type consumers see).
 */
export function lenient<A, I>(to: Schema.Schema<A, I>, spec: LenientSpec<I>): Schema.Schema<A, unknown> {
  return Schema.transformOrFail(Schema.Unknown, to, {
    strict: true,
    decode: (written, _options, ast) => {
      const result = spec.decode(written);
      if (!(result instanceof Refused)) return ParseResult.succeed(result);
      const issues = result.refusals.map((r): ParseResult.ParseIssue => {
        const issue = new ParseResult.Type(ast, "actual" in r ? r.actual : written, r.message);
        return r.at === undefined || r.at.length === 0 ? issue : new ParseResult.Pointer(r.at as [string | number, ...Array<string | number>], written, issue);
      });
      return ParseResult.fail(issues.length === 1 ? issues[0] : new ParseResult.Composite(ast, written, issues as [ParseResult.ParseIssue, ...ParseResult.ParseIssue[]]));
    },
    encode: (value) => ParseResult.succeed(spec.encode ? spec.encode(value) : value),
  }).annotations({ jsonSchema: spec.input });
}
