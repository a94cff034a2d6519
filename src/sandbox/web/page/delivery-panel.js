/** Outbox and delivery counters, and buttons that break Telegram on purpose to watch recovery. */
import { useState } from "preact/hooks";
import { html } from "./html.js";
import { post } from "./api.js";
import { LogLine } from "./log-panel.js";
import { state, topicOfUser } from "./store.js";

const COUNTERS = [
  ["delivered", (s) => s.delivery.delivered, "Bot API calls that carried out an intent"],
  ["waiting in outbox", (s) => s.outbox, "intents committed but not delivered yet"],
  ["retried", (s) => s.delivery.retried, "attempts that failed and were rescheduled"],
  ["rate limited", (s) => s.delivery.rateLimited, "429 answers (the chat waits retry_after)"],
  ["topics re-created", (s) => s.delivery.topicsRecreated, "deleted topics replaced by new ones"],
  ["dropped", (s) => s.delivery.dropped, "intents given up (e.g. the user blocked the bot), with a notice"],
  ["updates processed", (s) => s.processor.processed, "updates that stepped a conversation"],
  ["updates ignored", (s) => s.processor.dropped, "updates routed nowhere (bots, General, …)"],
  ["Bot API calls", (s) => s.emulator.calls, "calls the emulator answered, getUpdates aside"],
  ["faults armed", (s) => s.emulator.faultsArmed, "injected failures still waiting for a call"],
];

/** The panel. */
export function DeliveryPanel() {
  const [result, setResult] = useState(null);
  const stats = state.stats;
  const user = state.users.find((u) => u.id === state.ui.userId);
  const fault = (kind) =>
    post("faults", { kind, userId: user?.id }).then((text) => setResult({ ok: true, text }), (e) => setResult({ ok: false, text: e.message }));
  return html`<div class="delivery-panel">
    <div class="counters">
      ${COUNTERS.map(([label, read, title]) => html`<div class="counter" title=${title}><b>${stats ? read(stats) : "–"}</b><span>${label}</span></div>`)}
    </div>
    <h3>Break Telegram</h3>
    <p class="hint">Arm a fault, then write as a user or an operator: the runtime retries with backoff, waits out 429s and re-creates a deleted topic. Nothing is lost.</p>
    <div class="fault-buttons">
      <button class="button small warn" onClick=${() => fault("429")}>429 storm</button>
      <button class="button small warn" onClick=${() => fault("5xx")}>5xx storm</button>
      <button class="button small warn" disabled=${!user || !topicOfUser(user.id)} onClick=${() => fault("delete-topic")}
        title="Deletes the selected user's topic, as an operator could">Delete ${user ? `${user.firstName}'s` : "the"} topic</button>
      <button class="button small ghost" onClick=${() => fault("clear")}>Clear faults</button>
    </div>
    ${result ? html`<div class=${result.ok ? "result" : "error"}>${result.text}</div>` : null}
    <h3>Latest log lines</h3>
    <div class="log short">${state.log.slice(-6).map((l, i) => html`<${LogLine} key=${i} line=${l} />`)}</div>
  </div>`;
}
