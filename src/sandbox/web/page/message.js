/** One message bubble, Telegram style, used by both chats; and the centred service line. */
import { html } from "./html.js";
import { clock, mediaLabel, serviceText } from "./format.js";
import { RichText } from "./text.js";

function Media({ m }) {
  if (m.photo) {
    const biggest = m.photo[m.photo.length - 1];
    return html`<img class="photo" src=${`/api/files/${biggest.file_id}`} alt="photo" loading="lazy" />`;
  }
  const label = mediaLabel(m);
  if (!label) return null;
  const detail = m.document?.file_name ?? m.poll?.question ?? (m.dice ? `${m.dice.emoji} ${m.dice.value}` : "");
  return html`<div class="media">${label}${detail ? html` <span class="muted">${detail}</span>` : null}</div>`;
}

function Keyboard({ markup, onPress }) {
  const rows = markup?.inline_keyboard;
  if (!rows?.length) return null;
  return html`<div class="keyboard">
    ${rows.map((row) => html`<div class="kb-row">
      ${row.map((b) => html`<button class="kb-button" disabled=${!onPress || b.callback_data === undefined}
        onClick=${() => onPress(b.callback_data)} title=${b.url ?? b.callback_data ?? ""}>${b.text}${b.url ? " ↗" : ""}</button>`)}
    </div>`)}
  </div>`;
}

/**
 * A bubble. `out` puts it on the right; `quote` is `{ name, text }` of the message it replies to;
 * `kind` ("comment" | "command") styles operator-only messages, `note` explains them; `ticks`
 * marks a message the runtime relayed; `actions` are `{ label, title, onClick }` shown on hover.
 */
export function Message({ m, out, sender, senderColor, quote, kind, note, ticks, reactions, actions, onPress }) {
  const text = m.text ?? m.caption;
  const entities = m.text !== undefined ? m.entities : m.caption_entities;
  const meta = html`${m.edit_date ? "edited " : ""}${clock(m.date)}${ticks ? html` <span class="ticks" title="relayed">${ticks}</span>` : null}`;
  return html`<div class=${`msg ${out ? "out" : "in"} ${kind ?? ""}`} data-id=${m.message_id}>
    <div class="bubble">
      ${sender ? html`<div class="sender" style=${{ color: senderColor }}>${sender}</div>` : null}
      ${note ? html`<div class="note">${note}</div>` : null}
      ${quote ? html`<div class="quote"><b>${quote.name}</b><span>${quote.text}</span></div>` : null}
      <${Media} m=${m} />
      ${text ? html`<div class="text"><${RichText} text=${text} entities=${entities} /><span class="meta-spacer" aria-hidden="true">${meta}</span></div>` : null}
      <span class="meta">${meta}</span>
    </div>
    ${reactions?.length ? html`<div class="reactions">${reactions.map((r) => html`<span>${r}</span>`)}</div>` : null}
    <${Keyboard} markup=${m.reply_markup} onPress=${onPress} />
    ${actions?.length ? html`<div class="actions">
      ${actions.map((a) => html`<button title=${a.title} onClick=${a.onClick}>${a.label}</button>`)}
    </div>` : null}
  </div>`;
}

/** A topic service message (created, renamed, closed, reopened) as a centred pill; renames quieter. */
export function ServiceLine({ m }) {
  return html`<div class=${`service ${m.forum_topic_edited ? "subtle" : ""}`}><span>${serviceText(m)}</span></div>`;
}
