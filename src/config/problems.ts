/**
 * Problem collection and path spelling. Validation never stops at the first problem: every reader
 * reports into one {@link Problems} and returns `undefined` for a value it could not accept.
 */
import type { ConfigProblem } from "./error.ts";

/** Accumulates problems while the whole configuration is checked. */
export class Problems {
  /** Problems in the order they were found. */
  readonly list: ConfigProblem[] = [];

  /** Records a problem at `path`. */
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
}

/** Keys that can be written after a dot; anything else (URLs in `webhooks`) is bracketed and quoted. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * The path of a child: `bots` + 0 → `bots[0]`, `bots[0]` + `group` → `bots[0].group`,
 * `…webhooks` + `https://x` → `…webhooks["https://x"]`.
 */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  if (!PLAIN_KEY.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === "" ? key : `${parent}.${key}`;
}
