/** The sandbox page: header, the users' side, the operators' side, the inspector. */
import { useEffect, useReducer } from "preact/hooks";
import { html, render } from "./html.js";
import { post } from "./api.js";
import { Inspector } from "./inspector.js";
import { connect, state, subscribe } from "./store.js";
import { TopicChat } from "./topic-chat.js";
import { TopicList } from "./topics.js";
import { UserChat } from "./user-chat.js";
import { UserList } from "./users.js";

function Header() {
  const status = state.config?.status ?? "starting";
  return html`<header class="top">
    <img class="logo" src="/app/icon.svg" alt="" />
    <div class="brand"><b>Switchboard</b> sandbox <span class="muted">— a support hotline on an emulated Telegram, on this machine</span></div>
    <div class="grow"></div>
    <span class=${`pill ${state.connected ? "ok" : "bad"}`}>${state.connected ? "● live" : "○ reconnecting…"}</span>
    <span class=${`pill ${status === "running" ? "ok" : "busy"}`}>bot ${status}</span>
    ${state.config?.analyticsUrl && html`<a class="button small" href=${state.config.analyticsUrl} target="_blank" rel="noopener" data-analytics>📊 Analytics</a>`}
    <button class="button small" disabled=${state.demo} onClick=${() => post("demo")}>${state.demo ? "Demo playing…" : "▶ Play demo"}</button>
  </header>`;
}

function App() {
  const [, rerender] = useReducer((n) => n + 1, 0);
  useEffect(() => subscribe(rerender), []);
  if (!state.ready) return html`<p class="booting">Connecting to the sandbox…</p>`;
  return html`<div class="app">
    <${Header} />
    <main class="world">
      <div class="side users-side">
        <div class="side-label">📱 Telegram users → <b>@${state.bot.username}</b></div>
        <div class="side-body"><${UserList} /><${UserChat} /></div>
      </div>
      <div class="side operators-side">
        <div class="side-label">🎧 Operators’ group <b>${state.group.title}</b></div>
        <div class="side-body"><${TopicList} /><${TopicChat} /></div>
      </div>
      <${Inspector} />
    </main>
  </div>`;
}

connect();
render(html`<${App} />`, document.getElementById("app"));
