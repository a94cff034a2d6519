/**
 * Lets `${NAME}` stand unquoted anywhere in the YAML, as the deployment contract's own example
 * does (`webhook: { …, secret: ${HOOK_SECRET} }`): inside a flow mapping `{` and `}` are YAML
 * syntax, so that line is otherwise a syntax error.
 *
 * Before parsing, the `$`, `{` and `}` of each reference are swapped for private-use characters
 * (plain-scalar-safe and the same length, so YAML error columns stay right); after parsing they
 * are swapped back and the values are interpolated as usual.
 */

const DOLLAR = "\uE000";
const OPEN = "\uE001";
const CLOSE = "\uE002";
const SWAPPED = /[\uE000-\uE002]/;
const REFERENCE = /\$\{([^}\n"'\\]*)\}/g;
const RESTORE = /[\uE000-\uE002]/g;

/** Hides references from the YAML parser; a text already using these characters is left alone. */
export function protectReferences(text: string): string {
  if (SWAPPED.test(text)) return text;
  return text.replace(REFERENCE, (_, body: string) => `${DOLLAR}${OPEN}${body}${CLOSE}`);
}

/** Puts references back into a parsed string (or an error message quoting the text). */
export function restoreReferences(text: string): string {
  return text.replace(RESTORE, (c) => (c === DOLLAR ? "$" : c === OPEN ? "{" : "}"));
}
