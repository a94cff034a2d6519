/**
 * Names of labels and templates, as Hotline documents label names: a Latin letter first, then
 * letters, digits, `-` and `_`; compared case-insensitively (the key is the lowercase form).
 */

const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** Longest name accepted (it is shown in titles, lists and command lines). */
export const maxNameLength = 32;

/** A checked name: as written, and its key. */
export interface CheckedName {
  readonly name: string;
  readonly key: string;
}

/**
 * Checks a name; answers the one line that says what is wrong otherwise. `what` names the kind
 * ("label", "template") in that line.
 */
export function checkName(raw: string, what: string): CheckedName | { error: string } {
  if (raw === "") return { error: `Give a ${what} name.` };
  if (raw.length > maxNameLength) return { error: `A ${what} name has at most ${maxNameLength} characters; "${raw.slice(0, 40)}…" is longer.` };
  if (!NAME.test(raw)) return { error: `A ${what} name starts with a Latin letter, then letters, digits, - or _; "${raw}" does not.` };
  return { name: raw, key: raw.toLowerCase() };
}

/** Splits a command's arguments into words. */
export const wordsOf = (args: string): string[] => args.trim().split(/\s+/).filter(Boolean);
