/**
 * The analytics page: pick a bot (or all) and a period, and see the tiles, the per-day charts,
 * the weekday × hour heat map, operator load and the backlog now. Each chart has its CSV.
 * The selection lives in the address (`?bot=…&period=…`), so a link opens the same view.
 */
import { useEffect, useState } from "preact/hooks";
import { downloadCsv, loadView } from "./api.js";
import { DayChart } from "./chart.js";
import { html, render } from "./html.js";

const MESSAGES = [
  { field: "in", label: "in", color: "#7c4dff" },
  { field: "out", label: "out", color: "#26a69a" },
  { field: "intercepted", label: "intercepted", color: "#ffa726" },
];
const DIALOGS = [
  { field: "created", label: "new", color: "#42a5f5" },
  { field: "reopened", label: "reopened", color: "#ab47bc" },
  { field: "closed", label: "closed", color: "#78909c" },
];
const DELIVERY = [
  { field: "retries", label: "retries", color: "#ffca28" },
  { field: "rateLimited", label: "429s", color: "#ff7043" },
  { field: "failed", label: "failures", color: "#e53935" },
];
const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const PERIODS = [["today", "Today"], ["7d", "7 days"], ["30d", "30 days"], ["custom", "Custom"]];

const dialogs = (n) => `${n} ${n === 1 ? "dialog" : "dialogs"}`;
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

/** The selection the address asks for. */
function selectionOfAddress() {
  const q = new URLSearchParams(location.search);
  const today = isoDay(Date.now());
  return {
    bot: q.get("bot") || "all",
    period: q.get("period") || (q.get("from") ? "custom" : "7d"),
    from: q.get("from") || isoDay(Date.now() - 6 * 86_400_000),
    to: q.get("to") || today,
  };
}

/** Writes the selection into the address (replacing, so Back leaves the page). */
function showInAddress(sel) {
  const q = new URLSearchParams({ bot: sel.bot, period: sel.period });
  if (sel.period === "custom") {
    q.set("from", sel.from);
    q.set("to", sel.to);
  }
  history.replaceState(null, "", `${location.pathname}?${q}`);
}

function Csv({ chart, sel }) {
  const [problem, setProblem] = useState(null);
  const click = (e) => {
    e.preventDefault();
    downloadCsv(chart, sel).catch((err) => setProblem(String(err.message ?? err)));
  };
  return html`<a class="csv" href="#" data-csv=${chart} onClick=${click} title="Download this chart's data as CSV">CSV</a>${problem && html`<span class="problem">${problem}</span>`}`;
}

function Card({ title, chart, sel, children, wide }) {
  return html`<section class=${`card${wide ? " wide" : ""}`} data-card=${chart}>
    <header><h2>${title}</h2><${Csv} chart=${chart} sel=${sel} /></header>
    ${children}
  </section>`;
}

function Tile({ id, label, value, note, tone }) {
  return html`<div class=${`kpi ${tone ?? ""}`} data-kpi=${id}><span class="label">${label}</span><span class="value">${value}</span>${note && html`<span class="note">${note}</span>`}</div>`;
}

function Tiles({ v }) {
  const k = v.kpis;
  const d = v.durations;
  return html`<div class="tiles">
    <${Tile} id="dialogsNew" label="New dialogs" value=${k.dialogsNew} />
    <${Tile} id="dialogsReopened" label="Reopened" value=${k.dialogsReopened} />
    <${Tile} id="dialogsClosed" label="Closed" value=${k.dialogsClosed} />
    <${Tile} id="unanswered" label="🟪 Unanswered now" value=${k.unanswered} note=${k.unanswered > 0 ? `oldest waits ${d.oldestWait}` : "nobody waits"} tone=${k.unanswered > 0 ? "warn" : ""} />
    <${Tile} id="firstResponseP50" label="First response p50" value=${d.firstResponseP50} note=${dialogs(k.firstResponseCount)} />
    <${Tile} id="firstResponseP90" label="First response p90" value=${d.firstResponseP90} />
    <${Tile} id="resolutionMedian" label="Resolution (median)" value=${d.resolutionMedian} note=${dialogs(k.resolutionCount)} />
    <${Tile} id="messagesIn" label="Messages in" value=${k.messagesIn} />
    <${Tile} id="messagesOut" label="Messages out" value=${k.messagesOut} />
    <${Tile} id="messagesIntercepted" label="Intercepted" value=${k.messagesIntercepted} />
    <${Tile} id="retries" label="Retries" value=${k.retries} />
    <${Tile} id="rateLimited" label="429s" value=${k.rateLimited} tone=${k.rateLimited > 0 ? "warn" : ""} />
    <${Tile} id="failed" label="Failures" value=${k.failed} tone=${k.failed > 0 ? "bad" : ""} />
  </div>`;
}

function Heatmap({ grid }) {
  const max = Math.max(1, ...grid.flat());
  return html`<table class="heatmap" data-total=${grid.flat().reduce((a, b) => a + b, 0)}>
    <thead><tr><th></th>${Array.from({ length: 24 }, (_, h) => html`<th>${h}</th>`)}</tr></thead>
    <tbody>${grid.map((hours, w) => html`<tr><th>${WEEKDAYS[w]}</th>${hours.map((n, h) =>
      html`<td data-weekday=${w} data-hour=${h} data-count=${n} title=${`${WEEKDAYS[w]} ${h}:00–${h + 1}:00 UTC: ${n} incoming`}
        style=${`background: rgba(124, 77, 255, ${n === 0 ? 0.04 : 0.15 + (0.85 * n) / max})`}>${n || ""}</td>`)}</tr>`)}</tbody>
  </table>`;
}

function Operators({ rows }) {
  if (rows.length === 0) return html`<p class="empty">No operator activity in this period.</p>`;
  return html`<table class="rows operators">
    <thead><tr><th>Operator</th><th>Messages</th><th>Answered first</th><th>Closed</th><th>Median first response</th></tr></thead>
    <tbody>${rows.map((o) => html`<tr data-operator=${o.actor}><td>${o.name}</td><td>${o.messages}</td><td>${o.answered}</td><td>${o.closed}</td><td>${o.medianFirstResponse}</td></tr>`)}</tbody>
  </table>`;
}

function Backlog({ rows, showBot }) {
  if (rows.length === 0) return html`<p class="empty">No dialog waits for an answer. 🎉</p>`;
  return html`<table class="rows backlog">
    <thead><tr><th>User</th>${showBot && html`<th>Bot</th>`}<th>Waiting</th><th>Since (UTC)</th><th>Topic</th></tr></thead>
    <tbody>${rows.map((b) => html`<tr data-chat=${b.chatId}><td>🟪 ${b.name}</td>${showBot && html`<td>${b.bot}</td>`}<td>${b.wait}</td>
      <td>${new Date(b.waitingSince).toISOString().slice(0, 16).replace("T", " ")}</td>
      <td>${b.link ? html`<a href=${b.link} target="_blank" rel="noopener">open topic</a>` : "—"}</td></tr>`)}</tbody>
  </table>`;
}

function Controls({ sel, setSel, bots }) {
  const [from, setFrom] = useState(sel.from);
  const [to, setTo] = useState(sel.to);
  return html`<div class="controls">
    <label>Bot <select name="bot" value=${sel.bot} onChange=${(e) => setSel({ ...sel, bot: e.target.value })}>
      <option value="all">All bots</option>
      ${bots.map((b) => html`<option value=${b}>${b}</option>`)}
    </select></label>
    <div class="periods">${PERIODS.map(([id, label]) =>
      html`<button type="button" data-period=${id} class=${sel.period === id ? "on" : ""} onClick=${() => setSel({ ...sel, period: id, from, to })}>${label}</button>`)}</div>
    ${sel.period === "custom" && html`<form class="custom" onSubmit=${(e) => { e.preventDefault(); setSel({ ...sel, from, to }); }}>
      <input type="date" name="from" value=${from} onInput=${(e) => setFrom(e.target.value)} /> –
      <input type="date" name="to" value=${to} onInput=${(e) => setTo(e.target.value)} />
      <button type="submit">Show</button>
    </form>`}
  </div>`;
}

function App() {
  const [sel, setSel] = useState(selectionOfAddress);
  const [view, setView] = useState(null);
  const [problem, setProblem] = useState(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    showInAddress(sel);
    let live = true;
    loadView(sel).then((v) => live && v && (setView(v), setProblem(null)), (e) => live && setProblem(String(e.message ?? e)));
    return () => (live = false);
  }, [sel, tick]);
  return html`<main>
    <header class="top">
      <h1>Switchboard analytics</h1>
      <${Controls} sel=${sel} setSel=${setSel} bots=${view?.bots ?? []} />
      <button type="button" class="refresh" onClick=${() => setTick(tick + 1)} title="Read the figures again">↻</button>
    </header>
    ${problem && html`<p class="problem" role="alert">${problem}</p>`}
    ${view === null ? html`<p class="booting">Loading…</p>` : html`<${Report} v=${view} sel=${sel} />`}
  </main>`;
}

function Report({ v, sel }) {
  return html`<p class="period" data-period-label>${v.bot === "all" ? "All bots" : `Bot ${v.bot}`} · ${v.period.label} · days and hours in UTC · read ${new Date(v.now).toISOString().slice(11, 19)} UTC</p>
    <${Tiles} v=${v} />
    <div class="grid">
      <${Card} title="Messages per day" chart="messages" sel=${sel}><${DayChart} name="messages" days=${v.days} series=${MESSAGES} /><//>
      <${Card} title="Dialogs per day" chart="dialogs" sel=${sel}><${DayChart} name="dialogs" days=${v.days} series=${DIALOGS} /><//>
      <${Card} title="Delivery health per day" chart="delivery" sel=${sel}><${DayChart} name="delivery" days=${v.days} series=${DELIVERY} /><//>
      <${Card} title="Incoming messages by weekday and hour (UTC)" chart="heatmap" sel=${sel}><${Heatmap} grid=${v.heatmap} /><//>
      <${Card} title="Operator load" chart="operators" sel=${sel}><${Operators} rows=${v.operators} /><//>
      <${Card} title=${`Backlog now: ${v.backlog.length} waiting`} chart="backlog" sel=${sel}><${Backlog} rows=${v.backlog} showBot=${v.bot === "all" && v.bots.length > 1} /><//>
    </div>`;
}

const root = document.getElementById("app");
root.textContent = ""; // the "Loading" line Preact would keep beside the app
render(html`<${App} />`, root);
