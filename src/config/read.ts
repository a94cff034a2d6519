/**
 * Small readers shared by every section: each takes a raw value and its path, returns the
 * accepted value or `undefined` after reporting why not. Values from `${ENV}` arrive as strings,
 * so numbers and booleans are also accepted in their string spelling.
 */
import { Unresolved, silenceUnresolved } from "./interpolate.ts";
import { childPath, type Problems } from "./problems.ts";
import { asHttpUrl, asInteger, describeValue, isMapping } from "./spellings.ts";
import { suggest } from "./suggest.ts";

export { isMapping };

/** A YAML mapping after parsing. */
export type Mapping = Record<string, unknown>;

/** How a found value is shown after "got" (see {@link describeValue}). */
export const describe = describeValue;

/** Like {@link describe}, but never prints a secret: only a short prefix of long strings and the length. */
export function describeSecret(value: unknown): string {
  if (typeof value !== "string") return describe(value);
  if (value.length > 12) return `"${value.slice(0, 4)}..." (${value.length} characters)`;
  return `a ${value.length}-character value`;
}

/** Reports an unresolved `${…}` at `path` (once) and says whether the value was one. */
export function isUnresolved(value: unknown, path: string, problems: Problems): boolean {
  if (!(value instanceof Unresolved)) return false;
  if (!value.reported) problems.add(path, value.reason);
  value.reported = true;
  return true;
}

/** A string. */
export function readString(value: unknown, path: string, problems: Problems, expected = "a string"): string | undefined {
  if (isUnresolved(value, path, problems)) return undefined;
  if (typeof value === "string") return value;
  problems.add(path, `expected ${expected}, got ${describe(value)}`);
  return undefined;
}

/** A safe integer, written as a number or a numeric string. */
export function readInteger(value: unknown, path: string, problems: Problems, expected: string): number | undefined {
  if (isUnresolved(value, path, problems)) return undefined;
  const n = asInteger(value);
  if (n !== undefined) return n;
  problems.add(path, `expected ${expected}, got ${describe(value)}`);
  return undefined;
}

/** A mapping. */
export function readMapping(value: unknown, path: string, problems: Problems, expected = "a mapping (key: value)"): Mapping | undefined {
  if (isUnresolved(value, path, problems)) return undefined;
  if (isMapping(value)) return value;
  problems.add(path, `expected ${expected}, got ${describe(value)}`);
  return undefined;
}

/** A list; a single value stands for a one-item list, as Hotline's parameters allow. */
export function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/**
 * Reports keys of `mapping` that are not in `allowed`, with a suggestion for near misses.
 * `explain` may give a better reason for a specific key (e.g. "not used in proxy mode").
 */
export function checkKeys(
  mapping: Mapping,
  allowed: readonly string[],
  path: string,
  problems: Problems,
  explain?: (key: string) => string | undefined,
): void {
  for (const key of Object.keys(mapping)) {
    if (allowed.includes(key)) continue;
    silenceUnresolved(mapping[key]);
    const guess = suggest(key, allowed);
    const reason = explain?.(key) ??
      (guess !== undefined
        ? `unknown key (did you mean "${guess}"?)`
        : `unknown key (expected one of: ${allowed.join(", ")})`);
    problems.add(childPath(path, key), reason);
  }
}

/** An absolute http(s) URL, returned as parsed. */
export function readHttpUrl(value: unknown, path: string, problems: Problems, expected = "an http(s) URL"): URL | undefined {
  const text = readString(value, path, problems, expected);
  if (text === undefined) return undefined;
  const url = asHttpUrl(text);
  if (url !== undefined) return url;
  problems.add(path, `expected ${expected}, got ${describe(text)}`);
  return undefined;
}
