/** The right-hand panel: what happens inside Switchboard, in four tabs. */
import { useState } from "preact/hooks";
import { html } from "./html.js";
import { ConfigPanel } from "./config-panel.js";
import { DeliveryPanel } from "./delivery-panel.js";
import { LogPanel } from "./log-panel.js";
import { StatePanel } from "./state-panel.js";
import { state } from "./store.js";

const TABS = [
  { id: "state", label: "Dialogs", Panel: StatePanel },
  { id: "delivery", label: "Delivery & faults", Panel: DeliveryPanel },
  { id: "config", label: "Config", Panel: ConfigPanel },
  { id: "log", label: "Log", Panel: LogPanel },
];

/** The tabbed inspector. */
export function Inspector() {
  const [tab, setTab] = useState("state");
  const { Panel } = TABS.find((t) => t.id === tab);
  const warnings = state.log.filter((l) => l.level !== "info").length;
  return html`<aside class="column inspector">
    <nav class="tabs">
      ${TABS.map((t) => html`<button class=${`tab ${t.id === tab ? "active" : ""}`} onClick=${() => setTab(t.id)}>
        ${t.label}${t.id === "log" && warnings ? html` <span class="badge warn">${warnings}</span>` : null}
      </button>`)}
    </nav>
    <div class="panel"><${Panel} /></div>
  </aside>`;
}
