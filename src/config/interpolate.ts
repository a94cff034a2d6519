/**
 * `${NAME}` interpolation from the environment, applied to the parsed YAML values rather than the
 * raw text: a secret containing `:`, `#` or quotes then cannot change the document's structure.
 *
 * A reference that cannot be resolved becomes an {@link Unresolved} marker instead of a guess
 * (such as an empty string), so the key's own validator reports "environment variable X is not
 * set" at its proper path and does not add a second, misleading "expected a bot token" problem.
 */
import { childPath, type Problems } from "./problems.ts";
import { restoreReferences } from "./protect-references.ts";

/** The environment to read from; `process.env` has this shape. */
export type Env = Record<string, string | undefined>;

/** Stands in for a string whose `${…}` reference could not be resolved. */
export class Unresolved {
  /** Why, phrased as a problem message. */
  readonly reason: string;
  /** Set once a validator (or the final sweep) has reported it, so it is reported exactly once. */
  reported = false;

  constructor(reason: string) {
    this.reason = reason;
  }
}

/** `$${` (escape), `${…}` (reference) or a lone `${` (unclosed). */
const TOKEN = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
/** `NAME` or `NAME:-default`; the default runs to the first `}`. */
const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([^]*))?$/;

/**
 * Resolves every reference in one string. `${NAME:-default}` uses the default when NAME is unset
 * or empty (as in POSIX shells and Compose); `$${` is a literal `${`.
 */
export function interpolateString(text: string, env: Env): string | Unresolved {
  // Undo the parser shield first (see protect-references.ts); a no-op for strings that never had it.
  text = restoreReferences(text);
  const missing: string[] = [];
  let invalid: string | undefined;
  const out = text.replace(TOKEN, (token: string, body: string | undefined) => {
    if (token === "$${") return "${";
    if (body === undefined) {
      invalid ??= `unclosed "\${" (write "$\${" for a literal "\${")`;
      return token;
    }
    const ref = REFERENCE.exec(body);
    if (ref === null) {
      invalid ??= `invalid reference "\${${body}}": expected \${NAME} or \${NAME:-default}`;
      return token;
    }
    const [, name, fallback] = ref;
    if (fallback?.includes("${")) {
      invalid ??= `nested references like "\${${body}}" are not supported`;
      return token;
    }
    const value = env[name];
    if (fallback !== undefined && (value === undefined || value === "")) return fallback;
    if (value === undefined) {
      if (!missing.includes(name)) missing.push(name);
      return token;
    }
    return value;
  });
  if (invalid !== undefined) return new Unresolved(invalid);
  if (missing.length === 1) return new Unresolved(`environment variable ${missing[0]} is not set`);
  if (missing.length > 1) return new Unresolved(`environment variables ${missing.join(", ")} are not set`);
  return out;
}

/**
 * Interpolates every string scalar in a parsed YAML tree, mapping keys included (webhook URLs are
 * keys and may carry tokens). An unresolvable key cannot hold a marker, so it is reported here and
 * its entry dropped.
 */
export function interpolateTree(value: unknown, path: string, env: Env, problems: Problems): unknown {
  if (typeof value === "string") return interpolateString(value, env);
  if (Array.isArray(value)) return value.map((item, i) => interpolateTree(item, childPath(path, i), env, problems));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [rawKey, child] of Object.entries(value)) {
      const key = interpolateString(rawKey, env);
      if (key instanceof Unresolved) {
        problems.add(childPath(path, restoreReferences(rawKey)), key.reason);
        continue;
      }
      out[key] = interpolateTree(child, childPath(path, key), env, problems);
    }
    return out;
  }
  return value;
}

/** Marks every marker under `value` as handled, for subtrees already rejected as a whole. */
export function silenceUnresolved(value: unknown): void {
  if (value instanceof Unresolved) value.reported = true;
  else if (Array.isArray(value)) value.forEach(silenceUnresolved);
  else if (typeof value === "object" && value !== null) Object.values(value).forEach(silenceUnresolved);
}

/**
 * The final sweep: reports markers no validator looked at (plugin options are opaque to us) at
 * their path as written in the file.
 */
export function reportUnresolved(value: unknown, path: string, problems: Problems): void {
  if (value instanceof Unresolved) {
    if (!value.reported) problems.add(path, value.reason);
    value.reported = true;
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => reportUnresolved(item, childPath(path, i), problems));
  } else if (typeof value === "object" && value !== null) {
    for (const [key, child] of Object.entries(value)) reportUnresolved(child, childPath(path, key), problems);
  }
}
