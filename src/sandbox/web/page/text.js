/** Message text with Telegram's formatting entities (bold, italic, code, links …). */
import { html } from "./html.js";

const safeUrl = (url) => (/^https?:\/\//i.test(url) ? url : null);

function wrap(entity, inner) {
  switch (entity.type) {
    case "bold": return html`<b>${inner}</b>`;
    case "italic": return html`<i>${inner}</i>`;
    case "underline": return html`<u>${inner}</u>`;
    case "strikethrough": return html`<s>${inner}</s>`;
    case "code": return html`<code>${inner}</code>`;
    case "pre": return html`<pre>${inner}</pre>`;
    case "spoiler": return html`<span class="spoiler">${inner}</span>`;
    case "url": return safeUrl(inner) ? html`<a href=${inner} target="_blank" rel="noopener">${inner}</a>` : inner;
    case "text_link": return safeUrl(entity.url) ? html`<a href=${entity.url} target="_blank" rel="noopener">${inner}</a>` : inner;
    default: return inner;
  }
}

/** Renders `text` with its entities; overlapping (nested) entities keep only the outer one. */
export function RichText({ text, entities }) {
  if (!entities?.length) return text;
  const parts = [];
  let at = 0;
  for (const e of [...entities].sort((a, b) => a.offset - b.offset)) {
    if (e.offset < at) continue;
    parts.push(text.slice(at, e.offset), wrap(e, text.slice(e.offset, e.offset + e.length)));
    at = e.offset + e.length;
  }
  parts.push(text.slice(at));
  return parts;
}
