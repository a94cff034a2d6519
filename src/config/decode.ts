/**
 * Decoding a part of the configuration with its `effect/Schema`: every problem is reported (not
 * just the first) at its path in the file, through {@link reportIssue}.
 */
import * as Either from "effect/Either";
import * as ParseResult from "effect/ParseResult";
import type * as Schema from "effect/Schema";
import { reportIssue } from "./issues.ts";
import type { Problems } from "./problems.ts";

/**
 * Decodes `value` (found at `path`) with `schema`; `undefined` after reporting when it does not
 * decode. Keys the schema does not know are ignored here: callers check them first, with a
 * "did you mean" that a schema cannot give.
 */
export function decodeInto<A>(schema: Schema.Schema<A, any>, value: unknown, path: string, problems: Problems): A | undefined {
  const result = ParseResult.decodeUnknownEither(schema)(value, { errors: "all", onExcessProperty: "ignore" });
  if (Either.isRight(result)) return result.right;
  reportIssue(result.left, path, problems);
  return undefined;
}
