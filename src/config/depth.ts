/**
 * A cap on how deeply the YAML nests, checked before the file is composed into values. The
 * `yaml` library composes (and every reader after it walks) nested collections recursively, so
 * a value nested a few thousand levels deep overflows the stack and comes out as "Maximum call
 * stack size exceeded" at some column. The check walks the parser's token tree with its own
 * stack instead, and names the key where the nesting goes too deep.
 */
import { CST, LineCounter, Parser } from "yaml";
import type { ConfigProblem } from "./error.ts";
import { childPath } from "./problems.ts";
import { restoreReferences } from "./protect-references.ts";

/** Deeper than any configuration needs (plugin options included), far below a stack overflow. */
export const MAX_CONFIG_DEPTH = 64;

interface Pending {
  readonly token: CST.Token;
  /** Keys and list indexes from the document's root; its length is the depth. */
  readonly path: readonly (string | number)[];
}

/** How many keys of a too-deep path are spelled out. */
const shownKeys = 8;

/**
 * The path as the other config errors spell it, naming the key the deep value was written
 * under: the run of list indexes after it is dropped, and a long chain of keys is cut short.
 */
function spell(path: readonly (string | number)[]): string {
  let end = path.length;
  while (end > 0 && typeof path[end - 1] === "number") end--;
  if (end === 0) return "config";
  const shown = path.slice(0, Math.min(end, shownKeys)).reduce<string>((at, key) => childPath(at, key), "");
  return end > shownKeys ? `${shown}…` : shown;
}

/** A mapping key as written, for the path (a collection used as a key stays "?"). */
function keyText(key: CST.Token): string {
  const scalar = CST.resolveAsScalar(key);
  return scalar === null ? "?" : restoreReferences(scalar.value);
}

/**
 * The problem of a text whose collections nest deeper than `maxDepth`, at the path of the first
 * collection too deep, or undefined. Syntax errors are left to the parser that runs next.
 */
export function tooDeep(text: string, maxDepth = MAX_CONFIG_DEPTH): ConfigProblem | undefined {
  const lines = new LineCounter();
  const stack: Pending[] = [];
  for (const token of new Parser(lines.addNewLine).parse(text)) {
    if (token.type === "document" && token.value) stack.push({ token: token.value, path: [] });
  }
  while (stack.length > 0) {
    const { token, path } = stack.pop()!;
    if (token.type !== "block-map" && token.type !== "block-seq" && token.type !== "flow-collection") continue;
    if (path.length >= maxDepth) {
      const { line, col } = lines.linePos(token.offset);
      return { path: spell(path), message: `nested deeper than ${maxDepth} levels (at line ${line}, column ${col})` };
    }
    const isMap = token.type === "block-map" || (token.type === "flow-collection" && token.start.source === "{");
    // Pushed in reverse, so the first too-deep collection in file order is the one reported.
    for (let i = token.items.length - 1; i >= 0; i--) {
      const item = token.items[i] as { key?: CST.Token | null; value?: CST.Token | null };
      const at = [...path, isMap ? (item.key ? keyText(item.key) : "?") : i];
      if (item.value) stack.push({ token: item.value, path: at });
      if (item.key) stack.push({ token: item.key, path: at });
    }
  }
  return undefined;
}
