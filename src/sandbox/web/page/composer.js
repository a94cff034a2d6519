/**
 * The message box under a chat: Enter sends, Shift+Enter breaks the line. Shows what a reply or
 * an edit refers to, optional command chips above, and an optional sample-photo picker.
 */
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { html } from "./html.js";

function PhotoPicker({ photos, onPick }) {
  const [open, setOpen] = useState(false);
  return html`<div class="picker">
    <button class="icon-button" title="Send a photo" aria-label="Send a photo" onClick=${() => setOpen(!open)}>📎</button>
    ${open ? html`<div class="picker-menu">
      <div class="picker-title">Send a sample photo (the text becomes its caption)</div>
      ${photos.map((p) => html`<button class="picker-item" title=${p.title} onClick=${() => { setOpen(false); onPick(p); }}>
        <img src=${`/api/files/${p.fileId}`} alt=${p.title} /><span>${p.title}</span>
      </button>`)}
    </div>` : null}
  </div>`;
}

/**
 * `onSend(text)` returns a promise (its error is shown); `mode` is `{ kind: "reply" | "edit",
 * label, text }` or null; `chips` are `{ label, title, send? , insert? }`; `photos` with
 * `onPhoto(photo, caption)` adds the picker.
 */
export function Composer({ placeholder, onSend, mode, onCancel, chips, photos, onPhoto, name }) {
  const [text, setText] = useState("");
  const [error, setError] = useState("");
  const input = useRef(null);

  // Layout effect: the edited text must be in the box before anything can be typed into it.
  useLayoutEffect(() => {
    if (mode?.kind === "edit") setText(mode.text);
    if (mode) input.current?.focus();
  }, [mode]);

  const run = async (action) => {
    setError("");
    try {
      await action();
      return true;
    } catch (e) {
      setError(e.message);
      return false;
    } finally {
      input.current?.focus();
    }
  };
  const submit = async () => {
    const value = text.trim();
    if (value && (await run(() => onSend(value)))) setText("");
  };
  const onKey = (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      submit();
    } else if (e.key === "Escape" && mode) onCancel();
  };

  return html`<div class="composer">
    ${chips?.length ? html`<div class="chips">
      ${chips.map((c) => html`<button class="chip" title=${c.title} onClick=${() => {
        if (c.send) run(() => onSend(c.send));
        else { setText(c.insert); input.current?.focus(); }
      }}>${c.label}</button>`)}
    </div>` : null}
    ${mode ? html`<div class="mode">
      <span class="mode-icon">${mode.kind === "edit" ? "✎" : "↩"}</span>
      <div class="mode-body"><b>${mode.label}</b><span>${mode.text}</span></div>
      <button class="icon-button" title="Cancel (Esc)" onClick=${onCancel}>✕</button>
    </div>` : null}
    ${error ? html`<div class="error">${error}</div>` : null}
    <div class="input-row">
      ${photos ? html`<${PhotoPicker} photos=${photos} onPick=${(p) => run(async () => { await onPhoto(p, text.trim()); setText(""); })} />` : null}
      <textarea ref=${input} rows="1" name=${name} placeholder=${placeholder} value=${text}
        onInput=${(e) => setText(e.currentTarget.value)} onKeyDown=${onKey}></textarea>
      <button class="send" title="Send (Enter)" aria-label="Send" onClick=${submit}>➤</button>
    </div>
  </div>`;
}
