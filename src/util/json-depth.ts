/**
 * How deeply a JSON text nests, found by one scan of its bytes before anything parses it.
 * `JSON.parse` itself copes with deep nesting, but whatever walks the value afterwards
 * (`JSON.stringify` when it is stored, a schema, a recursive copy) recurses once per level and
 * overflows the stack a few thousand levels down: a body from outside is refused before that.
 */

const quote = 0x22;
const backslash = 0x5c;
const openArray = 0x5b;
const openObject = 0x7b;
const closeArray = 0x5d;
const closeObject = 0x7d;

/**
 * Whether the arrays and objects of `json` (UTF-8 or a string) nest at most `maxDepth` deep;
 * brackets inside strings do not count. Stops at the first level too deep. It does not check
 * that the text is JSON: the parser does that next.
 */
export function jsonDepthWithin(json: Uint8Array | string, maxDepth: number): boolean {
  const bytes = typeof json === "string" ? new TextEncoder().encode(json) : json;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === backslash) i++; // the escaped character, whatever it is, ends nothing
      else if (b === quote) inString = false;
    } else if (b === quote) inString = true;
    else if (b === openArray || b === openObject) {
      if (++depth > maxDepth) return false;
    } else if (b === closeArray || b === closeObject) depth--;
  }
  return true;
}
