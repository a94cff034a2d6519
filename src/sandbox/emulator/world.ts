/**
 * The emulated Telegram world: bots, users, private chats, forum supergroups with topics, and
 * their messages. Holds state and low-level primitives only; who may do what lives in
 * `actors.ts` (users/operators) and `methods/` (bots).
 */
import type { Update, User } from "@grammyjs/types";
import { FileStore } from "./files.ts";
import { RateLimiter } from "./rate-limits.ts";
import { BotUpdates, type UpdateBody, type WebhookReplyDispatch } from "./updates.ts";
import { tooManyRequests } from "./errors.ts";
import type { CallbackAnswer, DeletedTopicAnswer, StoredMessage, TopicInfo, WorldEvent } from "./types.ts";

/** A Bot API message under construction or in storage; loosely typed because it is built field by field. */
// deno-lint-ignore no-explicit-any
export type Msg = Record<string, any> & { message_id: number; date: number };

/** A bot account. */
export interface BotRecord {
  id: number;
  token: string;
  username: string;
  firstName: string;
  /** The bot as a User object (is_bot: true), used as `from` of its messages. */
  user: User;
  updates: BotUpdates;
}

/** A human (or bot) account that writes to bots or operates in groups. */
export interface UserRecord {
  user: User;
  deactivated: boolean;
  /** Gone for good: Telegram no longer knows the account or its chats ("chat not found"). */
  deleted: boolean;
}

/** A stored message with emulator bookkeeping. */
export interface MessageRecord {
  message: Msg;
  /** Global send order, to merge chats and keep albums in order. */
  seq: number;
  editCount: number;
  copiedFrom?: { chatId: number; messageId: number };
  viaBotToken?: string;
  /** Reactions per actor id (user or bot id). */
  reactions: Map<number, string[]>;
}

interface ChatBase {
  messages: Map<number, MessageRecord>;
  nextMessageId: number;
}

/** The private chat of one user with one bot. Its id (as the bot sees it) is the user id. */
export interface PrivateChat extends ChatBase {
  kind: "private";
  id: number;
  botId: number;
  userId: number;
  /** The user blocked the bot. */
  blocked: boolean;
}

/** A forum topic: stored as operators see it in the topic list, plus how it fails once deleted. */
export interface TopicRecord extends TopicInfo {
  /**
   * What sends into the topic answer once it is deleted: Telegram says "message thread not
   * found" for most, but `TOPIC_DELETED` for some (tests choose with `deleteTopic`'s `answer`).
   */
  deletedAnswer?: DeletedTopicAnswer;
}

/**
 * What a non-private chat is: the operators' forum supergroup, a plain group the bot is a member
 * of (shown to bots as a non-forum supergroup), or a channel.
 */
export type GroupChatType = "forum" | "group" | "channel";

/** A forum supergroup (the operators' backend group), or a group or channel a bot is in. */
export interface GroupChat extends ChatBase {
  kind: "group";
  /** Forum (topics), plain group or channel; forum unless created by `createChat`. */
  chatType: GroupChatType;
  id: number;
  title: string;
  /** Public username (t.me/username), if any. */
  username?: string;
  /** Member bots (ids); all are admins (they manage topics in forums, post in channels). */
  bots: Set<number>;
  /** Member users (operators in the forum, members of other groups, subscribers of channels). */
  operators: Set<number>;
  topics: Map<number, TopicRecord>;
}

/** Either kind of chat. */
export type ChatRecord = PrivateChat | GroupChat;

/** Unix seconds, the Bot API's time unit. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** JSON-safe deep copy, so callers can never mutate stored state. */
export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** A message as embedded in reply_to_message: Telegram omits the nested reply. */
export function shallow(m: Msg): Msg {
  const c = clone(m);
  delete c.reply_to_message;
  return c;
}

/** Options of the world. */
export interface WorldOptions {
  enforceRateLimits: boolean;
  webhookRetryMs: number;
  /** Runs methods returned in webhook responses (wired by the emulator). */
  webhookDispatch?: (token: string) => WebhookReplyDispatch;
}

/** The whole emulated state plus change notification. */
export class World {
  readonly bots = new Map<string, BotRecord>();
  readonly botsById = new Map<number, BotRecord>();
  readonly users = new Map<number, UserRecord>();
  readonly privateChats = new Map<string, PrivateChat>();
  readonly groups = new Map<number, GroupChat>();
  readonly files = new FileStore();
  readonly limiter = new RateLimiter();
  readonly events = new EventTarget();
  /** Open callback queries (id -> bot id), so answerCallbackQuery can reject unknown ids. */
  readonly callbackQueries = new Map<string, number>();
  /** How each answered callback query was answered (id -> answer): the spinner a user saw stop. */
  readonly callbackAnswers = new Map<string, CallbackAnswer>();
  readonly options: WorldOptions;
  rateLimited = 0;
  private seq = 0;
  private nextUserId = 100_000_001;
  private nextBotId = 7_000_000_001;
  private nextGroupSerial = 1_000_000_001;
  private readonly listeners = new Set<(e: WorldEvent) => void>();

  constructor(options: WorldOptions) {
    this.options = options;
  }

  // ---- change notification -------------------------------------------------------------

  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(cb: (e: WorldEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Notifies listeners after a change. A throwing listener must not break the world. */
  emit(e: WorldEvent): void {
    for (const cb of this.listeners) {
      try {
        cb(e);
      } catch {
        // listeners are observers only
      }
    }
    this.events.dispatchEvent(new CustomEvent("change", { detail: e }));
  }

  // ---- accounts -------------------------------------------------------------------------

  /** Adds a bot. Token format mimics Telegram's "<id>:<secret>". */
  createBot(o: { token?: string; username?: string; firstName?: string } = {}): BotRecord {
    const id = o.token && /^\d+:/.test(o.token) ? Number(o.token.split(":")[0]) : this.nextBotId++;
    const token = o.token ?? `${id}:AA${randomSecret(33)}`;
    if (this.bots.has(token)) throw new Error(`bot with token ${token} already exists`);
    const username = o.username ?? `test${id}_bot`;
    const firstName = o.firstName ?? `Test Bot ${id}`;
    const user: User = { id, is_bot: true, first_name: firstName, username };
    const bot: BotRecord = {
      id,
      token,
      username,
      firstName,
      user,
      updates: new BotUpdates({
        retryMs: this.options.webhookRetryMs,
        dispatch: this.options.webhookDispatch?.(token),
        onUpdate: (u: Update) => this.emit({ type: "update", token, data: clone(u) }),
      }),
    };
    this.bots.set(token, bot);
    this.botsById.set(id, bot);
    this.emit({ type: "bot", token, data: { id, username, firstName } });
    return bot;
  }

  /** Adds a user account. */
  createUser(o: { firstName?: string; lastName?: string; username?: string; languageCode?: string; isBot?: boolean } = {}): User {
    const id = this.nextUserId++;
    const user: User = { id, is_bot: o.isBot ?? false, first_name: o.firstName ?? `User${id}` };
    if (o.lastName) user.last_name = o.lastName;
    if (o.username) user.username = o.username;
    if (o.languageCode) user.language_code = o.languageCode;
    this.users.set(id, { user, deactivated: false, deleted: false });
    this.emit({ type: "user", userId: id, data: clone(user) });
    return clone(user);
  }

  /** Adds a forum supergroup with the given member bots (admins) and operators. */
  createGroup(o: { title?: string; bots: string[]; operators?: number[] }): GroupChat {
    const id = -(1_000_000_000_000 + this.nextGroupSerial++);
    const group: GroupChat = {
      kind: "group",
      chatType: "forum",
      id,
      title: o.title ?? "Support",
      bots: new Set(o.bots.map((t) => this.requireBot(t).id)),
      operators: new Set(o.operators ?? []),
      topics: new Map(),
      messages: new Map(),
      // Creating a supergroup leaves a few service messages behind; real ids never start at 1.
      nextMessageId: 2,
    };
    for (const uid of group.operators) this.requireUser(uid);
    this.groups.set(id, group);
    this.emit({ type: "chat", chatId: id, data: { id, title: group.title, kind: "group" } });
    return group;
  }

  /**
   * Adds a plain group or a channel, with no bots yet (see `actors.addBotToChat`): the chats a bot
   * monitors. Members are user ids.
   */
  createChat(o: { type: "group" | "channel"; title?: string; username?: string; members?: number[] }): GroupChat {
    const id = -(1_000_000_000_000 + this.nextGroupSerial++);
    const chat: GroupChat = {
      kind: "group",
      chatType: o.type,
      id,
      title: o.title ?? (o.type === "channel" ? "News" : "Chat"),
      ...(o.username ? { username: o.username } : {}),
      bots: new Set(),
      operators: new Set(o.members ?? []),
      topics: new Map(),
      messages: new Map(),
      nextMessageId: 2,
    };
    for (const uid of chat.operators) this.requireUser(uid);
    this.groups.set(id, chat);
    this.emit({ type: "chat", chatId: id, data: { id, title: chat.title, kind: o.type } });
    return chat;
  }

  /** The bot with this token, or throws (control API misuse). */
  requireBot(token: string): BotRecord {
    const bot = this.bots.get(token);
    if (!bot) throw new Error(`unknown bot token ${token}`);
    return bot;
  }

  /** The user with this id, or throws (control API misuse). */
  requireUser(userId: number): UserRecord {
    const u = this.users.get(userId);
    if (!u) throw new Error(`unknown user ${userId}`);
    return u;
  }

  /** The group with this id, or throws (control API misuse). */
  requireGroup(groupId: number): GroupChat {
    const g = this.groups.get(groupId);
    if (!g) throw new Error(`unknown group ${groupId}`);
    return g;
  }

  // ---- chats -----------------------------------------------------------------------------

  /** The private chat of a user with a bot; created (the user "starts" the bot) when asked. */
  privateChat(bot: BotRecord, userId: number, create: boolean): PrivateChat | undefined {
    const key = `${bot.id}:${userId}`;
    let chat = this.privateChats.get(key);
    if (!chat && create) {
      chat = { kind: "private", id: userId, botId: bot.id, userId, blocked: false, messages: new Map(), nextMessageId: 1 };
      this.privateChats.set(key, chat);
      this.emit({ type: "chat", chatId: userId, token: bot.token, data: { id: userId, kind: "private" } });
    }
    return chat;
  }

  /** The Chat object that appears in messages of this chat. */
  chatView(chat: ChatRecord): Record<string, unknown> {
    if (chat.kind === "group") {
      const username = chat.username ? { username: chat.username } : {};
      if (chat.chatType === "channel") return { id: chat.id, title: chat.title, ...username, type: "channel" };
      return { id: chat.id, title: chat.title, ...username, type: "supergroup", ...(chat.chatType === "forum" ? { is_forum: true } : {}) };
    }
    const u = this.requireUser(chat.userId).user;
    const v: Record<string, unknown> = { id: u.id, first_name: u.first_name };
    if (u.last_name) v.last_name = u.last_name;
    if (u.username) v.username = u.username;
    v.type = "private";
    return v;
  }

  // ---- messages --------------------------------------------------------------------------

  /**
   * Creates and stores a message. Topic messages get message_thread_id, is_topic_message and,
   * unless they reply to something, the topic root as reply_to_message (Telegram's implicit reply).
   */
  addMessage(
    chat: ChatRecord,
    from: User,
    content: Record<string, unknown>,
    o: { threadId?: number; replyTo?: MessageRecord; isTopicRoot?: boolean; viaBotToken?: string; copiedFrom?: { chatId: number; messageId: number } } = {},
  ): MessageRecord {
    // Channel posts are sent on behalf of the channel: no `from`, the channel as `sender_chat`.
    const asChannel = chat.kind === "group" && chat.chatType === "channel";
    const id = chat.nextMessageId++;
    const threadId = o.isTopicRoot ? id : o.threadId;
    // Field order mirrors Telegram's JSON, which makes logs easier to compare.
    const ordered: Msg = { message_id: id } as Msg;
    if (threadId !== undefined) ordered.message_thread_id = threadId;
    if (asChannel) ordered.sender_chat = this.chatView(chat);
    else ordered.from = clone(from);
    ordered.chat = this.chatView(chat);
    ordered.date = nowSeconds();
    if (threadId !== undefined) ordered.is_topic_message = true;
    if (o.replyTo) ordered.reply_to_message = shallow(o.replyTo.message);
    else if (threadId !== undefined && !o.isTopicRoot && chat.kind === "group") {
      const root = chat.messages.get(threadId);
      if (root) ordered.reply_to_message = shallow(root.message);
    }
    Object.assign(ordered, content);
    const rec: MessageRecord = { message: ordered, seq: ++this.seq, editCount: 0, reactions: new Map() };
    if (o.viaBotToken) rec.viaBotToken = o.viaBotToken;
    if (o.copiedFrom) rec.copiedFrom = o.copiedFrom;
    chat.messages.set(id, rec);
    this.emit({ type: "message", chatId: chat.id, messageId: id, threadId, data: this.stored(rec) });
    return rec;
  }

  /** The public StoredMessage view of a record. */
  stored(rec: MessageRecord): StoredMessage {
    const m = clone(rec.message) as StoredMessage;
    m.editCount = rec.editCount;
    if (rec.copiedFrom) m.copiedFrom = { ...rec.copiedFrom };
    if (rec.viaBotToken) m.viaBotToken = rec.viaBotToken;
    return m;
  }

  /** Queues an update for a bot. */
  deliver(bot: BotRecord, body: UpdateBody): Update {
    return bot.updates.push(clone(body));
  }

  /** Queues an update for every bot of a group. */
  deliverToGroup(group: GroupChat, body: UpdateBody): void {
    for (const id of group.bots) {
      const bot = this.botsById.get(id);
      if (bot) this.deliver(bot, body);
    }
  }

  /**
   * Counts `n` new messages of a bot towards Telegram's flood limits; throws 429 when over.
   * A no-op unless rate limits are enforced.
   */
  consumeQuota(bot: BotRecord, chat: ChatRecord, n: number): void {
    if (!this.options.enforceRateLimits) return;
    const chatKey = chat.kind === "group" ? `g${chat.id}` : `p${chat.botId}:${chat.userId}`;
    const retry = this.limiter.take(bot.id, chat.kind, chatKey, n, Date.now());
    if (retry > 0) {
      this.rateLimited++;
      throw tooManyRequests(retry);
    }
  }

  /** Topic list as operators see it. */
  topicInfos(group: GroupChat): TopicInfo[] {
    return [...group.topics.values()].map((t) => {
      const info: TopicInfo = { threadId: t.threadId, name: t.name, iconColor: t.iconColor, closed: t.closed, deleted: t.deleted };
      if (t.iconCustomEmojiId) info.iconCustomEmojiId = t.iconCustomEmojiId;
      return info;
    });
  }

  /** Stops webhook pushes and releases pollers. */
  close(): void {
    for (const bot of this.bots.values()) bot.updates.close();
  }
}

function randomSecret(len: number): string {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  let s = "";
  for (let i = 0; i < len; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}
