/**
 * The selected user's private chat with the bot, seen by the user: write, send a photo, reply,
 * edit, react, press inline buttons, block or unblock the bot.
 */
import { useState } from "preact/hooks";
import { html } from "./html.js";
import { post } from "./api.js";
import { Composer } from "./composer.js";
import { fullName, preview } from "./format.js";
import { Message } from "./message.js";
import { useStickToBottom } from "./scroll.js";
import { state } from "./store.js";
import { Avatar } from "./users.js";

/** Messages of this user that reached the operators' group as copies. */
function relayedIds(userId) {
  const ids = new Set();
  for (const m of state.groupMessages) if (m.copiedFrom?.chatId === userId) ids.add(m.copiedFrom.messageId);
  return ids;
}

function ChatPane({ user }) {
  const [mode, setMode] = useState(null);
  const messages = state.chats[user.id] ?? [];
  const scroller = useStickToBottom(messages.length);
  const name = fullName(user);
  const bot = state.bot;
  const relayed = relayedIds(user.id);
  const byId = new Map(messages.map((m) => [m.message_id, m]));
  const author = (m) => (m.from?.is_bot ? bot.firstName : name);

  const send = (text) => {
    const done = () => setMode(null);
    if (mode?.kind === "edit") return post("user/edit", { userId: user.id, messageId: mode.id, text }).then(done);
    return post("user/send", { userId: user.id, text, replyTo: mode?.kind === "reply" ? mode.id : undefined }).then(done);
  };
  const sendPhoto = (photo, caption) =>
    post("user/send", { userId: user.id, sample: photo.id, text: caption, replyTo: mode?.kind === "reply" ? mode.id : undefined }).then(() => setMode(null));
  const react = (m) => {
    const mine = (state.reactions[`${user.id}:${m.message_id}`] ?? []).includes("👍");
    post("user/react", { userId: user.id, messageId: m.message_id, emoji: mine ? null : "👍" });
  };
  const actionsOf = (m) => [
    { label: "↩", title: "Reply", onClick: () => setMode({ kind: "reply", id: m.message_id, label: `Reply to ${author(m)}`, text: preview(m) }) },
    ...(!m.from?.is_bot && (m.text !== undefined || m.caption !== undefined)
      ? [{ label: "✎", title: "Edit", onClick: () => setMode({ kind: "edit", id: m.message_id, label: "Edit message", text: m.text ?? m.caption }) }]
      : []),
    { label: "👍", title: "React", onClick: () => react(m) },
  ];
  const quoteOf = (m) => {
    const target = m.reply_to_message && (byId.get(m.reply_to_message.message_id) ?? m.reply_to_message);
    return target ? { name: author(target), text: preview(target) } : null;
  };

  return html`<section class="column chat user-chat">
    <header class="column-head">
      <${Avatar} id=${bot.id} name=${bot.firstName} size=${36} />
      <div class="grow"><div class="title">${bot.firstName}</div><div class="subtitle">bot · you are <b>${name}</b></div></div>
      <button class=${`button small ${user.blocked ? "" : "ghost"}`} onClick=${() => post("user/block", { userId: user.id, blocked: !user.blocked })}
        title=${user.blocked ? "Unblock the bot" : "Block the bot (Telegram tells the bot; operators get a notice)"}>${user.blocked ? "Unblock bot" : "Block bot"}</button>
    </header>
    <div class="messages" ref=${scroller}>
      ${messages.length === 0 ? html`<div class="empty">Write as ${user.firstName}: the first message opens a topic for the operators →</div>` : null}
      ${messages.map((m) => html`<${Message} key=${m.message_id} m=${m} out=${!m.from?.is_bot} quote=${quoteOf(m)}
        ticks=${relayed.has(m.message_id) ? "✓✓" : !m.from?.is_bot ? "✓" : null}
        reactions=${state.reactions[`${user.id}:${m.message_id}`]} actions=${actionsOf(m)}
        onPress=${(data) => post("user/press", { userId: user.id, messageId: m.message_id, data })} />`)}
    </div>
    ${user.blocked ? html`<div class="banner">${name} blocked the bot. Writing to it unblocks it again, like “Restart” in Telegram.</div>` : null}
    <${Composer} name="user-message" placeholder=${`Message as ${name}…`} onSend=${send} mode=${mode} onCancel=${() => setMode(null)}
      photos=${state.samples} onPhoto=${sendPhoto} />
  </section>`;
}

/** The pane for the selected user (or a hint when there is none). */
export function UserChat() {
  const user = state.users.find((u) => u.id === state.ui.userId);
  if (!user) return html`<section class="column chat"><div class="empty">Add a user to start.</div></section>`;
  return html`<${ChatPane} key=${user.id} user=${user} />`;
}
