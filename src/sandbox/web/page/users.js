/** The left-most column: the simulated users, their last message and dialog status; add a user. */
import { html } from "./html.js";
import { post } from "./api.js";
import { avatarColor, fullName, initials, preview, stateSquare } from "./format.js";
import { selectUser, state } from "./store.js";

/** A round avatar with initials. */
export function Avatar({ id, name, size = 40 }) {
  return html`<span class="avatar" style=${{ background: avatarColor(id), width: `${size}px`, height: `${size}px`, fontSize: `${size * 0.4}px` }}>${initials(name)}</span>`;
}

function UserRow({ user }) {
  const name = fullName(user);
  const messages = state.chats[user.id] ?? [];
  const last = messages[messages.length - 1];
  const unread = state.ui.unread[`u:${user.id}`];
  const square = stateSquare(state.conversations[user.id]);
  return html`<button class=${`row ${state.ui.userId === user.id ? "selected" : ""}`} data-user=${name} title=${name} onClick=${() => selectUser(user.id)}>
    <${Avatar} id=${user.id} name=${name} />
    <span class="row-body">
      <span class="row-title">${name}${user.blocked ? html` <span class="tag danger">blocked</span>` : null}</span>
      <span class="row-sub">${last ? preview(last) : "hasn't written yet"}</span>
    </span>
    <span class="row-side">
      ${square ? html`<span title="dialog status">${square}</span>` : null}
      ${unread ? html`<span class="badge">${unread}</span>` : null}
    </span>
  </button>`;
}

/** The user list with its "add a user" button. */
export function UserList() {
  const add = async () => {
    const user = await post("users");
    selectUser(user.id);
  };
  return html`<section class="column users">
    <header class="column-head">
      <div><div class="title">Users</div><div class="subtitle">simulated people</div></div>
      <button class="button small" onClick=${add} title="Add a simulated user">+<span class="label"> Add</span></button>
    </header>
    <div class="list">${state.users.map((u) => html`<${UserRow} key=${u.id} user=${u} />`)}</div>
  </section>`;
}
