/**
 * The page's single store: the world as the server last described it (a snapshot, then live
 * events from `GET /api/events`, see `src/sandbox/web/types.ts`) plus what the viewer selected.
 * Components read `state` and re-render on `subscribe`; only this file changes it.
 */

/** Everything the page draws. */
export const state = {
  connected: false,
  ready: false,
  bot: null,
  operator: null,
  group: null,
  users: [],
  /** userId → messages of the private chat, oldest first. */
  chats: {},
  groupMessages: [],
  topics: [],
  reactions: {},
  /** chatId → ConversationView. */
  conversations: {},
  stats: null,
  config: null,
  log: [],
  samples: [],
  demo: false,
  ui: {
    userId: null,
    /** null = follow the selected user's topic; a thread id; or "general". */
    threadId: null,
    /** Unread counts: "u:USERID" and "t:THREADID". */
    unread: {},
  },
};

const listeners = new Set();

/** Calls `fn` after every change; returns the unsubscribe function. */
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

let scheduled = false;
/** Notifies listeners once per animation frame, however many events arrived. */
function changed() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    for (const fn of listeners) fn();
  });
}

function upsert(list, m) {
  const i = list.findIndex((x) => x.message_id === m.message_id);
  if (i >= 0) list[i] = m;
  else list.push(m);
}

/** The topic id of a user's conversation, if it has a live topic. */
export function topicOfUser(userId) {
  const id = state.conversations[userId]?.topicId;
  return id && state.topics.some((t) => t.threadId === id && !t.deleted) ? id : null;
}

/** The user whose conversation owns a topic. */
export function userOfTopic(threadId) {
  const view = Object.values(state.conversations).find((c) => c.topicId === threadId);
  return view ? state.users.find((u) => u.id === view.chatId) ?? null : null;
}

/** The thread the right pane shows: a topic id, "general", or null (the user has no topic yet). */
export function shownThread() {
  return state.ui.threadId ?? topicOfUser(state.ui.userId);
}

function countUnread(key, isShown) {
  if (!isShown) state.ui.unread[key] = (state.ui.unread[key] ?? 0) + 1;
}

function applyWorld(e) {
  const m = e.data;
  if (e.chatId === state.group?.id) {
    if (e.type === "message" || e.type === "edit") {
      upsert(state.groupMessages, m);
      if (e.type === "message" && m.from?.is_bot && m.message_thread_id) countUnread(`t:${m.message_thread_id}`, shownThread() === m.message_thread_id);
    } else if (e.type === "delete") {
      state.groupMessages = state.groupMessages.filter((x) => x.message_id !== e.messageId);
    } else if (e.type === "topic") {
      const i = state.topics.findIndex((t) => t.threadId === e.threadId);
      if (i >= 0) state.topics[i] = e.data;
      else state.topics.push(e.data);
      // A deleted topic's messages are gone on Telegram too.
      if (e.data.deleted) state.groupMessages = state.groupMessages.filter((x) => x.message_thread_id !== e.threadId);
    }
    return;
  }
  if (e.chatId > 0) {
    const list = (state.chats[e.chatId] ??= []);
    if (e.type === "message" || e.type === "edit") {
      upsert(list, m);
      if (e.type === "message" && m.from?.is_bot) countUnread(`u:${e.chatId}`, state.ui.userId === e.chatId);
    } else if (e.type === "delete") {
      state.chats[e.chatId] = list.filter((x) => x.message_id !== e.messageId);
    }
  }
}

const handlers = {
  snapshot(s) {
    Object.assign(state, {
      bot: s.bot, operator: s.operator, group: s.group, users: s.users, chats: s.chats, groupMessages: s.groupMessages,
      topics: s.topics, reactions: s.reactions, stats: s.stats, config: s.config, log: s.log, samples: s.samples, demo: s.demo,
      conversations: Object.fromEntries(s.conversations.map((c) => [c.chatId, c])),
      ready: true,
    });
    if (!state.users.some((u) => u.id === state.ui.userId)) state.ui.userId = state.users[0]?.id ?? null;
  },
  world: applyWorld,
  users(users) {
    state.users = users;
    for (const u of users) state.chats[u.id] ??= [];
    if (state.ui.userId === null) state.ui.userId = users[0]?.id ?? null;
  },
  reactions({ key, emojis }) {
    state.reactions = { ...state.reactions, [key]: emojis };
  },
  conversation(view) {
    state.conversations = { ...state.conversations, [view.chatId]: view };
    // A topic that just became the selected user's is on screen: nothing in it is unread.
    if (view.topicId && view.chatId === state.ui.userId && state.ui.threadId === null) delete state.ui.unread[`t:${view.topicId}`];
  },
  stats(stats) {
    state.stats = stats;
  },
  config(config) {
    state.config = config;
  },
  log(line) {
    state.log = [...state.log.slice(-199), line];
  },
  demo({ playing }) {
    state.demo = playing;
  },
};

/** Opens the event stream; EventSource reconnects by itself and the server re-sends a snapshot. */
export function connect() {
  const source = new EventSource("/api/events");
  for (const [name, apply] of Object.entries(handlers)) {
    source.addEventListener(name, (ev) => {
      apply(JSON.parse(ev.data));
      changed();
    });
  }
  source.onopen = () => {
    state.connected = true;
    changed();
  };
  source.onerror = () => {
    state.connected = false;
    changed();
  };
}

/** Shows a user's chat (and, on the right, their topic). */
export function selectUser(userId) {
  state.ui.userId = userId;
  state.ui.threadId = null;
  delete state.ui.unread[`u:${userId}`];
  const topic = topicOfUser(userId);
  if (topic) delete state.ui.unread[`t:${topic}`];
  changed();
}

/** Shows a topic (and, on the left, its user's chat); "general" for the General topic. */
export function selectThread(threadId) {
  const owner = threadId === "general" ? null : userOfTopic(threadId);
  if (owner && topicOfUser(owner.id) === threadId) {
    selectUser(owner.id);
    return;
  }
  state.ui.threadId = threadId;
  delete state.ui.unread[`t:${threadId}`];
  changed();
}
