/** Each user's conversation actor: its state, status, topic and last transitions. */
import { html } from "./html.js";
import { clockMs, fullName, stateLabel, stateSquare } from "./format.js";
import { selectUser, state } from "./store.js";

function Transition({ t }) {
  return html`<li class="transition">
    <span class="muted mono">${clockMs(t.at)}</span>
    <span class="event mono">${t.event}</span>
    <span class="mono">${t.from ?? "∅"} → ${t.to}${t.status ? ` (${t.status})` : ""}</span>
    ${t.intents.length ? html`<span class="intents">${t.intents.map((i) => html`<span class="intent">${i}</span>`)}</span>` : null}
  </li>`;
}

function Card({ view }) {
  const user = state.users.find((u) => u.id === view.chatId);
  return html`<div class=${`card ${state.ui.userId === view.chatId ? "selected" : ""}`} onClick=${() => selectUser(view.chatId)}>
    <div class="card-head">
      <b>${stateSquare(view)} ${user ? fullName(user) : view.chatId}</b>
      <span class=${`state-chip state-${view.state}`}>${stateLabel(view)}</span>
    </div>
    <div class="muted small">chat ${view.chatId}${view.topicId ? ` · topic #${view.topicId}` : " · no topic"}</div>
    <ol class="transitions">${[...view.transitions].reverse().map((t, i) => html`<${Transition} key=${i} t=${t} />`)}</ol>
  </div>`;
}

/** The cards, the selected user's first. */
export function StatePanel() {
  const views = Object.values(state.conversations).sort((a, b) => (b.chatId === state.ui.userId) - (a.chatId === state.ui.userId) || b.transitions.at(-1)?.at - a.transitions.at(-1)?.at);
  return html`<div class="state-panel">
    <p class="hint">One XState actor per user, persisted in SQLite. Each step: event → new state, plus the intents the delivery lanes then carry out.</p>
    ${views.length === 0 ? html`<div class="empty small">No conversation yet: write as a user.</div>` : views.map((v) => html`<${Card} key=${v.chatId} view=${v} />`)}
  </div>`;
}
