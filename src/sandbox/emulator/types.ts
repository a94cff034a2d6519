/**
 * Public data types of the Telegram Bot API emulator.
 *
 * Kept apart from the implementation so that the browser sandbox (and tests) can import the
 * shapes without pulling in `node:http`.
 */
import type {
  InlineKeyboardMarkup,
  Message,
  MessageEntity,
  Update,
  User,
} from "@grammyjs/types";

export type { InlineKeyboardMarkup, Message, MessageEntity, Update, User };

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1 so tests never expose the emulator. */
  host?: string;
  /** Enforce Telegram's flood limits (per private chat, per group, per bot) with 429 answers. */
  enforceRateLimits?: boolean;
  /** Delay before a failed webhook delivery is retried (ms, default 200). */
  webhookRetryMs?: number;
  /** Keep a log of every Bot API call with its caller and times ({@link Emulator.callLog}); off by default (it grows). */
  recordCalls?: boolean;
}

/**
 * One Bot API call as the emulator saw it. `caller` names who made it when the client's
 * `api_root` carries it (`{url}/c/NAME`), as several processes sharing one emulator do.
 */
export interface CallRecord {
  readonly caller: string | undefined;
  readonly token: string;
  readonly method: string;
  /** `Date.now()` when the request was read and when its answer was ready. */
  readonly startedAt: number;
  readonly endedAt: number;
}

/**
 * What a user or operator sends, in a compact form. Media fields take a file id, or `true` to
 * let the emulator generate a fresh file.
 */
export type MessageContent = {
  text?: string;
  entities?: MessageEntity[];
  caption?: string;
  caption_entities?: MessageEntity[];
  photo?: true | string;
  video?: true | string;
  voice?: true | string;
  audio?: true | string;
  document?: true | string;
  sticker?: true | string;
  animation?: true | string;
  video_note?: true | string;
  location?: { latitude: number; longitude: number };
  contact?: { phone_number: string; first_name: string };
  poll?: { question: string; options: string[] };
  dice?: { emoji?: string };
  /** Message id (in the same chat) this message replies to. */
  replyToMessageId?: number;
  protectContent?: boolean;
  reply_markup?: InlineKeyboardMarkup;
};

/** A message as stored by the emulator: the Bot API message plus bookkeeping for assertions. */
export interface StoredMessage extends Message {
  /** Set when the message was made by copyMessage/copyMessages. */
  copiedFrom?: { chatId: number; messageId: number };
  /** How many times the message was edited. */
  editCount: number;
  /** Token of the bot that sent it, when a bot sent it. */
  viaBotToken?: string;
}

/** A forum topic as an operator would see it in the topic list. */
export interface TopicInfo {
  threadId: number;
  name: string;
  iconColor: number;
  iconCustomEmojiId?: string;
  closed: boolean;
  deleted: boolean;
}

/** How sends into a deleted topic fail: "message thread not found" (default) or `TOPIC_DELETED`. */
export type DeletedTopicAnswer = "thread-not-found" | "topic-deleted";

/** The kinds of faults {@link Emulator.injectFault} can provoke. */
export type FaultKind = "429" | "500" | "502" | "drop-before" | "drop-after";

/** A fault to inject into the next matching Bot API call(s). */
export interface FaultSpec {
  /** Method name (case-insensitive); undefined = any method except getUpdates. */
  method?: string;
  kind: FaultKind;
  /** How many calls it hits (default 1). */
  times?: number;
  /** Seconds announced by a 429 (default 1). */
  retryAfter?: number;
  /** Only calls whose chat_id is this chat. */
  chatId?: number;
}

/** What {@link Emulator.hold} holds: the next call of a method, or the next file download. */
export type HoldTarget = { method: string } | { download: true };

/** A held call or download: `reached` once it arrived and waits; `release` lets it go on. */
export interface Hold {
  readonly reached: Promise<void>;
  release(): void;
}

/** Counters for assertions. */
export interface EmulatorStats {
  /** Bot API calls per method name (as Telegram spells it, e.g. "sendMessage"). */
  calls: Record<string, number>;
  faultsInjected: number;
  rateLimited: number;
  /** Bytes of Bot API request bodies received over HTTP, counted as they arrive (uploads too). */
  bodyBytes: number;
}

/** A change of the emulated world, delivered to {@link Emulator.onChange} listeners. */
export interface WorldEvent {
  type:
    | "bot"
    | "user"
    | "chat"
    | "message"
    | "edit"
    | "delete"
    | "topic"
    | "reaction"
    | "block"
    | "update"
    | "webhook";
  chatId?: number;
  messageId?: number;
  threadId?: number;
  token?: string;
  userId?: number;
  /** The affected object (message, topic, update …) as a JSON-safe copy. */
  data?: unknown;
}

/** Options to narrow {@link Emulator.messages}. */
export interface MessagesQuery {
  /** A topic's thread id, or "general" for the General topic; undefined = the whole chat. */
  threadId?: number | "general";
  /**
   * Private chats: the bot whose chat with that user is meant (token). Without it, the chats of
   * every bot with that user are merged in send order.
   */
  token?: string;
}

/** A bot's answer to a callback query. */
export interface CallbackAnswer {
  text?: string;
  show_alert?: boolean;
}

/** Identity of a created bot. */
export interface BotIdentity {
  id: number;
  token: string;
  username: string;
}

/** Content an edit may change. */
export interface EditContent {
  text?: string;
  caption?: string;
}

/** The running emulator: Bot API server plus control API. */
export interface Emulator {
  /** Base URL, usable as Bot API `api_root`, e.g. "http://127.0.0.1:40123". */
  readonly url: string;
  createBot(o?: { token?: string; username?: string; firstName?: string }): BotIdentity;
  createUser(o?: {
    firstName?: string;
    lastName?: string;
    username?: string;
    languageCode?: string;
    isBot?: boolean;
  }): User;
  /** Creates a forum supergroup; the bots (tokens) are admins, operators (user ids) members. */
  createForumGroup(o: { title?: string; bots: string[]; operators?: number[] }): number;
  /** Creates a plain group or a channel with no bots yet: a chat bots may be added to and monitor. */
  createChat(o: { type: "group" | "channel"; title?: string; username?: string; members?: number[] }): number;
  /** A member adds the bot to a group (my_chat_member and a service message) or makes it a channel admin. */
  addBotToChat(chatId: number, token: string, byUserId: number): void;
  /** A user joins a group: a "new member" service message for the group's bots. */
  userJoinsGroup(chatId: number, userId: number): StoredMessage;
  /** A user writes in a group (not the operators' forum); bots of the group get `message`. */
  userWritesInGroup(chatId: number, userId: number, content: MessageContent): StoredMessage;
  /** A user sends an album in a group: one `message` per item, sharing a media_group_id. */
  userWritesAlbumInGroup(chatId: number, userId: number, items: MessageContent[]): StoredMessage[];
  /** An admin posts in a channel; bot admins of the channel get `channel_post`. */
  channelPosts(chatId: number, byUserId: number, content: MessageContent): StoredMessage;
  userSends(token: string, userId: number, content: MessageContent): StoredMessage;
  userSendsAlbum(token: string, userId: number, items: MessageContent[]): StoredMessage[];
  userEdits(token: string, userId: number, messageId: number, content: EditContent): StoredMessage;
  userReacts(token: string, userId: number, messageId: number, emoji: string | null): void;
  /** The user presses an inline button of a bot message (callback_query update). Returns the query id. */
  userPressesButton(token: string, userId: number, messageId: number, data: string): string;
  /** How the bot answered a callback query (answerCallbackQuery), or undefined while its button still spins. */
  callbackAnswer(queryId: string): CallbackAnswer | undefined;
  userBlocksBot(token: string, userId: number): void;
  userUnblocksBot(token: string, userId: number): void;
  deactivateUser(userId: number): void;
  /** The account is gone for good: calls naming the user's chat fail "Bad Request: chat not found". */
  deleteUser(userId: number): void;
  /** The user deletes a message of theirs (no update; later copies fail "message to copy not found"). */
  userDeletes(token: string, userId: number, messageId: number): void;
  operatorPosts(
    groupId: number,
    userId: number,
    content: MessageContent & { threadId?: number },
  ): StoredMessage;
  operatorEdits(groupId: number, userId: number, messageId: number, content: EditContent): StoredMessage;
  operatorReacts(groupId: number, userId: number, messageId: number, emoji: string | null): void;
  deleteTopic(groupId: number, threadId: number, o?: { answer?: DeletedTopicAnswer }): void;
  messages(chatId: number, o?: MessagesQuery): StoredMessage[];
  topics(groupId: number): TopicInfo[];
  updatesFor(token: string): Update[];
  /**
   * Holds a bot's updates back (true) or releases them (false), as when Telegram delivers late:
   * they stay queued, getUpdates answers none and the webhook gets none until released.
   */
  holdUpdates(token: string, hold: boolean): void;
  /**
   * Queues `update` for the bot exactly as given, as a broken Bot API server might send it
   * (`update_id: null`, a boolean chat id…); it takes the next place in the queue and an offset
   * past that place confirms it. Without an own `update_id` it gets the next id, unless `exact`.
   * Returns what was queued.
   */
  injectUpdate(token: string, update: Record<string, unknown>, o?: { exact?: boolean }): Update;
  injectFault(f: FaultSpec): void;
  clearFaults(): void;
  /**
   * Holds the next call of a method (before it is applied) or the next file download (after
   * half of its bytes were sent) until released: for tests of concurrency and streaming.
   */
  hold(target: HoldTarget): Hold;
  stats(): EmulatorStats;
  /** The recorded calls, oldest first (empty unless `recordCalls`). */
  callLog(): readonly CallRecord[];
  /** Subscribes to world changes; returns the unsubscribe function. */
  onChange(cb: (e: WorldEvent) => void): () => void;
  /** EventTarget twin of onChange: dispatches `CustomEvent("change", { detail: WorldEvent })`. */
  readonly events: EventTarget;
  /** Calls a Bot API method in-process (no HTTP), as the browser sandbox will. */
  call(token: string, method: string, params?: Record<string, unknown>): Promise<ApiResponse>;
  close(): Promise<void>;
}

/** A Bot API answer body. */
export type ApiResponse =
  | { ok: true; result: unknown }
  | { ok: false; error_code: number; description: string; parameters?: { retry_after?: number; migrate_to_chat_id?: number } };
