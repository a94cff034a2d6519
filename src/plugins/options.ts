/**
 * Checking a plugin's options against the `effect/Schema` it declares (`definePlugin({ options })`),
 * with the same messages as the rest of the configuration: every problem at once, one line per
 * problem naming the option's path, "did you mean" for a misspelt key.
 */
import type * as Schema from "effect/Schema";
import * as AST from "effect/SchemaAST";
import { decodeInto } from "../config/decode.ts";
import { childPath, Problems } from "../config/problems.ts";
import { suggest } from "../config/suggest.ts";

/** A problem with a plugin's options: `option` is its path below `options` (`days[2]`), `message` what is wrong. */
export interface OptionProblem {
  option: string;
  message: string;
}

/** The keys a mapping-shaped options schema knows, as written; `undefined` for other shapes. */
export function optionKeys(schema: Schema.Schema.Any): string[] | undefined {
  const written = AST.encodedAST(schema.ast);
  if (!AST.isTypeLiteral(written)) return undefined;
  return written.propertySignatures.map((p) => String(p.name));
}

/** Decodes `raw` with `schema`: the typed options, or every problem found. */
export function decodeOptions<O>(
  schema: Schema.Schema<O, any>,
  raw: Record<string, unknown>,
): { ok: true; options: O } | { ok: false; problems: OptionProblem[] } {
  const problems = new Problems();
  const options = decodeInto(schema, raw, "", problems);
  // Unknown keys last: a value's problem is usually the more useful first line.
  const known = optionKeys(schema) ?? Object.keys(raw);
  for (const key of Object.keys(raw).filter((k) => !known.includes(k))) {
    const guess = suggest(key, known);
    problems.add(childPath("", key), known.length === 0
      ? "unknown option (this plugin takes none)"
      : guess !== undefined
      ? `unknown option (did you mean "${guess}"?)`
      : `unknown option (expected one of: ${known.join(", ")})`);
  }
  if (problems.list.length > 0) return { ok: false, problems: problems.list.map((p) => ({ option: p.path, message: p.message })) };
  return { ok: true, options: options as O };
}
