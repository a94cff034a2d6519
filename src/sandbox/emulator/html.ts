/**
 * Telegram's HTML parse mode, as far as bots use it: b/strong, i/em, u/ins, s/strike/del, code,
 * pre, a href, tg-spoiler, blockquote; the entities &lt; &gt; &amp; &quot;. Tags become
 * entities (offsets in UTF-16 units, like Telegram); anything malformed is refused with
 * Telegram's "can't parse entities" error.
 */
import type { MessageEntity } from "@grammyjs/types";
import { badRequest } from "./errors.ts";

const kinds: Record<string, MessageEntity["type"]> = {
  b: "bold", strong: "bold", i: "italic", em: "italic", u: "underline", ins: "underline",
  s: "strikethrough", strike: "strikethrough", del: "strikethrough", code: "code", pre: "pre",
  a: "text_link", "tg-spoiler": "spoiler", blockquote: "blockquote",
};
const escapes: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

/** Parses `html` into plain text and entities, or throws a Bot API 400. */
export function parseHtml(html: string): { text: string; entities: MessageEntity[] } {
  const fail = (why: string, at: number) => badRequest(`Bad Request: can't parse entities: ${why} at byte offset ${at}`);
  let text = "";
  const entities: MessageEntity[] = [];
  const open: { tag: string; offset: number; url?: string }[] = [];
  let i = 0;
  while (i < html.length) {
    const c = html[i];
    if (c === "<") {
      const end = html.indexOf(">", i);
      if (end < 0) throw fail("unclosed start tag", i);
      const raw = html.slice(i + 1, end).trim();
      if (raw.startsWith("/")) {
        const tag = raw.slice(1).trim().toLowerCase();
        const top = open.pop();
        if (!top || top.tag !== tag) throw fail(`unmatched end tag "${tag}"`, i);
        const length = text.length - top.offset;
        if (length > 0) entities.push({ type: kinds[tag], offset: top.offset, length, ...(top.url ? { url: top.url } : {}) } as MessageEntity);
      } else {
        const tag = raw.split(/\s/)[0].toLowerCase();
        if (!kinds[tag]) throw fail(`unsupported start tag "${tag}"`, i);
        const href = tag === "a" ? /href\s*=\s*"([^"]*)"/.exec(raw)?.[1] : undefined;
        if (tag === "a" && !href) throw fail("missing href in an \"a\" tag", i);
        open.push({ tag, offset: text.length, url: href });
      }
      i = end + 1;
    } else if (c === "&") {
      const end = html.indexOf(";", i);
      const name = end > i ? html.slice(i + 1, end) : "";
      if (!(name in escapes)) throw fail(`unsupported entity "&${name}"`, i);
      text += escapes[name];
      i = end + 1;
    } else {
      text += c;
      i += 1;
    }
  }
  if (open.length > 0) throw fail(`can't find end tag corresponding to start tag "${open[open.length - 1].tag}"`, html.length);
  return { text, entities: entities.sort((a, b) => a.offset - b.offset) };
}
