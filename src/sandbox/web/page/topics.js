/**
 * The operators' forum group: General and one topic per user, with the status square of the
 * title, closed topics greyed, deleted ones struck through.
 */
import { html } from "./html.js";
import { preview, splitTitle, topicColor } from "./format.js";
import { selectThread, shownThread, state } from "./store.js";

function lastIn(threadId) {
  for (let i = state.groupMessages.length - 1; i >= 0; i--) {
    const m = state.groupMessages[i];
    // Renames (status changes) are noise in a preview.
    if (m.forum_topic_edited) continue;
    if (threadId === "general" ? m.message_thread_id === undefined : m.message_thread_id === threadId) return m;
  }
  return undefined;
}

function TopicRow({ topic }) {
  const { square, rest } = splitTitle(topic.name);
  const unread = shownThread() === topic.threadId ? 0 : state.ui.unread[`t:${topic.threadId}`];
  const last = lastIn(topic.threadId);
  const classes = ["row", shownThread() === topic.threadId ? "selected" : "", topic.closed ? "closed" : "", topic.deleted ? "deleted" : ""];
  return html`<button class=${classes.join(" ")} data-topic=${topic.name} title=${topic.name} disabled=${topic.deleted} onClick=${() => selectThread(topic.threadId)}>
    <span class="topic-icon" style=${{ background: topicColor(topic.iconColor) }}>${square || "#"}</span>
    <span class="row-body">
      <span class="row-title">${rest}${topic.closed && !topic.deleted ? html` <span class="tag">🔒 closed</span>` : null}${topic.deleted ? html` <span class="tag">deleted</span>` : null}</span>
      <span class="row-sub">${topic.deleted ? "the topic and its messages are gone" : last ? preview(last) : ""}</span>
    </span>
    <span class="row-side">${unread ? html`<span class="badge">${unread}</span>` : null}</span>
  </button>`;
}

/** The topic list, newest topic first, deleted ones last. */
export function TopicList() {
  const topics = [...state.topics].sort((a, b) => Number(a.deleted) - Number(b.deleted) || b.threadId - a.threadId);
  const general = lastIn("general");
  return html`<section class="column topics">
    <header class="column-head">
      <div><div class="title">${state.group.title}</div><div class="subtitle">you are ${state.operator.name}</div></div>
    </header>
    <div class="list">
      <button class=${`row ${shownThread() === "general" ? "selected" : ""}`} data-topic="General" title="General" onClick=${() => selectThread("general")}>
        <span class="topic-icon general">#</span>
        <span class="row-body"><span class="row-title">General</span><span class="row-sub">${general ? preview(general) : "group-wide commands (/help)"}</span></span>
      </button>
      ${topics.map((t) => html`<${TopicRow} key=${t.threadId} topic=${t} />`)}
    </div>
  </section>`;
}
