/** The runtime's log lines (info and above), newest last. */
import { html } from "./html.js";
import { clockMs } from "./format.js";
import { useStickToBottom } from "./scroll.js";
import { state } from "./store.js";

/** One line. */
export function LogLine({ line }) {
  return html`<div class=${`log-line ${line.level}`}><span class="muted">${clockMs(line.at)}</span> <b>${line.level}</b> <span class="muted">[${line.scope}]</span> ${line.text}</div>`;
}

/** The whole log. */
export function LogPanel() {
  const scroller = useStickToBottom(state.log.length);
  return html`<div class="log" ref=${scroller}>${state.log.map((l, i) => html`<${LogLine} key=${i} line=${l} />`)}</div>`;
}
