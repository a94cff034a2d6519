/**
 * The shown topic (or General) as the operator sees it: the user's messages copied in by the
 * bot, the operator's answers (ticked when relayed), comments and commands; post, reply, edit,
 * react, and one-click commands.
 */
import { useState } from "preact/hooks";
import { html } from "./html.js";
import { post } from "./api.js";
import { Composer } from "./composer.js";
import { fullName, preview, splitTitle, stateLabel, topicColor } from "./format.js";
import { Message, ServiceLine } from "./message.js";
import { useStickToBottom } from "./scroll.js";
import { selectThread, shownThread, state, userOfTopic } from "./store.js";

const TOPIC_CHIPS = [
  { label: "/ comment", insert: "/ ", title: "An internal comment: starts with a slash and a space, never sent to the user" },
  { label: "/close", send: "/close", title: "Close the dialog and the topic (⬛️)" },
  { label: "/hold", send: "/hold", title: "Mark as needing attention (🟪)" },
  { label: "/wait", send: "/wait", title: "Mark as waiting for the user (🟨)" },
  { label: "/ban", send: "/ban", title: "Ignore the user's messages until /unban" },
  { label: "/unban", send: "/unban", title: "Accept the user's messages again" },
  { label: "/info", send: "/info", title: "The user's info card" },
  { label: "/help", send: "/help", title: "The operator commands" },
];
const GENERAL_CHIPS = [{ label: "/help", send: "/help", title: "The operator commands" }];

const isService = (m) => m.forum_topic_created || m.forum_topic_edited || m.forum_topic_closed || m.forum_topic_reopened;

/** Operator messages that a copy in the user's chat shows were delivered. */
function deliveredIds() {
  const ids = new Set();
  for (const list of Object.values(state.chats)) for (const m of list) if (m.copiedFrom?.chatId === state.group.id) ids.add(m.copiedFrom.messageId);
  return ids;
}

function ThreadPane({ thread }) {
  const [mode, setMode] = useState(null);
  const general = thread === "general";
  const topic = general ? null : state.topics.find((t) => t.threadId === thread);
  const owner = general ? null : userOfTopic(thread);
  const conversation = owner ? state.conversations[owner.id] : null;
  const messages = state.groupMessages.filter((m) => (general ? m.message_thread_id === undefined : m.message_thread_id === thread));
  const scroller = useStickToBottom(messages.length);
  const delivered = deliveredIds();
  const byId = new Map(messages.map((m) => [m.message_id, m]));
  const botName = state.bot.firstName;
  const author = (m) => (m.from?.is_bot ? (m.copiedFrom && owner ? fullName(owner) : botName) : fullName(m.from));

  const send = (text) => {
    const done = () => setMode(null);
    if (mode?.kind === "edit") return post("operator/edit", { messageId: mode.id, text }).then(done);
    return post("operator/send", { threadId: general ? undefined : thread, text, replyTo: mode?.kind === "reply" ? mode.id : undefined }).then(done);
  };
  const react = (m) => {
    const mine = (state.reactions[`${state.group.id}:${m.message_id}`] ?? []).includes("👍");
    post("operator/react", { messageId: m.message_id, emoji: mine ? null : "👍" });
  };
  const actionsOf = (m) => [
    { label: "↩", title: "Reply", onClick: () => setMode({ kind: "reply", id: m.message_id, label: `Reply to ${author(m)}`, text: preview(m) }) },
    ...(!m.from?.is_bot && m.text !== undefined
      ? [{ label: "✎", title: "Edit", onClick: () => setMode({ kind: "edit", id: m.message_id, label: "Edit message", text: m.text }) }]
      : []),
    { label: "👍", title: "React", onClick: () => react(m) },
  ];
  const bubble = (m) => {
    if (isService(m)) return html`<${ServiceLine} key=${m.message_id} m=${m} />`;
    const text = m.text ?? "";
    const operator = !m.from?.is_bot;
    const kind = operator && text.startsWith("/ ") ? "comment" : operator && text.startsWith("/") ? "command" : undefined;
    const note = kind === "comment" ? "internal comment · not sent to the user" : kind === "command" ? "command" : null;
    const target = m.reply_to_message && m.reply_to_message.message_id !== thread ? byId.get(m.reply_to_message.message_id) ?? m.reply_to_message : null;
    return html`<${Message} key=${m.message_id} m=${m} out=${operator} kind=${kind} note=${note}
      sender=${m.from?.is_bot ? (m.copiedFrom && owner ? `${fullName(owner)} · via bot` : `${botName} · bot`) : null}
      senderColor=${m.copiedFrom ? "#3a8ed8" : "#8a63d2"}
      quote=${target ? { name: author(target), text: preview(target) } : null}
      ticks=${operator && !kind ? (delivered.has(m.message_id) ? "✓✓" : "✓") : null}
      reactions=${state.reactions[`${state.group.id}:${m.message_id}`]} actions=${actionsOf(m)} />`;
  };

  const { square, rest } = splitTitle(topic?.name ?? "General");
  return html`<section class=${`column chat topic-chat ${topic?.closed ? "is-closed" : ""}`}>
    <header class="column-head">
      <span class=${`topic-icon ${general ? "general" : ""}`} style=${topic ? { background: topicColor(topic.iconColor) } : null}>${square || "#"}</span>
      <div class="grow">
        <div class="title">${rest}${topic?.closed ? html` <span class="tag">🔒 closed</span>` : null}</div>
        <div class="subtitle">${general ? "group-wide; nothing here reaches users" : `topic #${thread} · ${stateLabel(conversation)}`}</div>
      </div>
    </header>
    <div class="messages" ref=${scroller}>${messages.map(bubble)}</div>
    ${topic?.closed ? html`<div class="banner">This topic is closed. Writing here delivers the message and reopens the dialog as 🟨.</div>` : null}
    <${Composer} name="operator-message" mode=${mode} onCancel=${() => setMode(null)} onSend=${send} chips=${general ? GENERAL_CHIPS : TOPIC_CHIPS}
      placeholder=${general ? "Message to the group (General)…" : `Answer ${owner?.firstName ?? "the user"}…  ("/ " for a comment, /close …)`} />
  </section>`;
}

/** The right-hand chat: the shown topic, General, or a hint while the user has no topic. */
export function TopicChat() {
  const thread = shownThread();
  if (thread === null) {
    const user = state.users.find((u) => u.id === state.ui.userId);
    return html`<section class="column chat topic-chat"><div class="empty">
      <p>${user ? `${fullName(user)} has no topic yet.` : "No user selected."}</p>
      <p>The first message a user sends opens their topic here, titled with a status square: 🟪 waiting for an operator, 🟨 answered, ⬛️ closed.</p>
      <button class="button small ghost" onClick=${() => selectThread("general")}>Open General</button>
    </div></section>`;
  }
  return html`<${ThreadPane} key=${thread} thread=${thread} />`;
}
