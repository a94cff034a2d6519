/** The YAML the bot runs with: edit, Apply (validated, then the bot restarts), see problems. */
import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "./html.js";
import { post } from "./api.js";
import { clockMs } from "./format.js";
import { state } from "./store.js";

/** The draft outlives the panel (switching tabs must not lose an edit). */
let keptDraft = null;

const STATUS = { starting: "starting…", running: "running", restarting: "restarting…", stopped: "stopped" };

/** The panel. */
export function ConfigPanel() {
  const config = state.config;
  const [draft, setDraftState] = useState(keptDraft ?? config.yaml);
  const [problems, setProblems] = useState([]);
  const [busy, setBusy] = useState(false);
  const setDraft = (text) => {
    keptDraft = text === config.yaml ? null : text;
    setDraftState(text);
  };
  // A newly applied config (from here or another window) replaces the draft.
  const applied = useRef(config.yaml);
  useEffect(() => {
    if (applied.current === config.yaml) return;
    applied.current = config.yaml;
    keptDraft = null;
    setDraftState(config.yaml);
  }, [config.yaml]);
  const apply = async () => {
    setBusy(true);
    setProblems([]);
    try {
      await post("config", { yaml: draft });
      keptDraft = null;
    } catch (e) {
      setProblems(e.problems?.length ? e.problems : [e.message]);
    } finally {
      setBusy(false);
    }
  };
  const shown = problems.length ? problems : config.problems;
  return html`<div class="config-panel">
    <div class="config-status">
      <span class=${`dot ${config.status}`}></span> bot ${STATUS[config.status]}${config.startedAt ? html` <span class="muted">since ${clockMs(config.startedAt)}</span>` : null}
    </div>
    <textarea class="yaml" spellcheck="false" wrap="off" name="config" value=${draft} onInput=${(e) => setDraft(e.currentTarget.value)}></textarea>
    <div class="config-actions">
      <button class="button" disabled=${busy} onClick=${apply}>${busy ? "Applying…" : "Apply"}</button>
      <button class="button ghost" disabled=${busy || draft === config.yaml} onClick=${() => setDraft(config.yaml)}>Revert</button>
    </div>
    ${shown.length ? html`<ul class="problems">${shown.map((p) => html`<li>${p}</li>`)}</ul>` : null}
    <p class="hint">Validated like <code>switchboard check</code>. Apply restarts the bot; conversations and queued messages stay in the store. Parameters are listed in the README.</p>
  </div>`;
}
