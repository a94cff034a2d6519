/**
 * What every Bot API method handler gets, and the checks shared by sending methods: which chat
 * a chat_id names for this bot, whether the bot may write there, topic and reply resolution.
 */
import { ApiError, E, badRequest, forbidden } from "../errors.ts";
import type { Params } from "../params.ts";
import type { BotRecord, ChatRecord, GroupChat, MessageRecord, World } from "../world.ts";

/** Handler input. */
export interface MethodContext {
  world: World;
  bot: BotRecord;
  params: Params;
  /** Aborted when the HTTP client hangs up (ends long polls early). */
  signal?: AbortSignal;
}

/** A Bot API method implementation: returns `result` or throws {@link ApiError}. */
export type MethodHandler = (ctx: MethodContext) => unknown | Promise<unknown>;

/** A chat the bot can see (for reading: copy source, getChat, edits). */
export function chatForRead(ctx: MethodContext, name = "chat_id"): ChatRecord {
  const id = ctx.params.chatId(name);
  if (typeof id === "string") throw badRequest(E.chatNotFound);
  if (id < 0) {
    const g = ctx.world.groups.get(id);
    if (!g || !g.bots.has(ctx.bot.id)) throw badRequest(E.chatNotFound);
    return g;
  }
  const chat = ctx.world.privateChat(ctx.bot, id, false);
  if (!chat || ctx.world.users.get(id)?.deleted) throw badRequest(E.chatNotFound);
  return chat;
}

/** A chat the bot may send to now; throws the 400/403 Telegram gives otherwise. */
export function chatForSend(ctx: MethodContext, name = "chat_id"): ChatRecord {
  const id = ctx.params.chatId(name);
  const { world, bot } = ctx;
  if (typeof id === "string") throw badRequest(E.chatNotFound);
  if (id < 0) {
    const g = world.groups.get(id);
    if (!g) throw badRequest(E.chatNotFound);
    if (!g.bots.has(bot.id)) throw forbidden(E.notMember);
    return g;
  }
  if (world.botsById.has(id)) throw forbidden(E.botToBot);
  const user = world.users.get(id);
  if (!user || user.deleted) throw badRequest(E.chatNotFound);
  if (user.user.is_bot) throw forbidden(E.botToBot);
  if (user.deactivated) throw forbidden(E.deactivated);
  const chat = world.privateChat(bot, id, false);
  if (!chat) throw forbidden(E.cantInitiate);
  if (chat.blocked) throw forbidden(E.blocked);
  return chat;
}

/** The group, or 400 when the chat is not a forum. */
export function requireForum(chat: ChatRecord): GroupChat {
  if (chat.kind !== "group" || chat.chatType !== "forum") throw badRequest(E.notAForum);
  return chat;
}

/**
 * Checks a topic exists for writing. Thread 1 is the General topic, which Telegram refuses as a
 * message_thread_id; deleted topics are "not found" (or `TOPIC_DELETED`, as the test chose);
 * closed ones refuse bots.
 */
export function checkThread(chat: GroupChat, threadId: number, forSend: boolean): void {
  const t = chat.topics.get(threadId);
  if (!t || t.deleted) throw badRequest(t?.deletedAnswer === "topic-deleted" ? E.topicDeleted : E.threadNotFound);
  if (forSend && t.closed) throw badRequest(E.topicClosed);
}

/** The message_thread_id to send into (undefined = no topic / General). */
export function threadFor(ctx: MethodContext, chat: ChatRecord): number | undefined {
  const threadId = ctx.params.int("message_thread_id");
  // Private chats have no topics; Telegram ignores the parameter there.
  if (threadId === undefined || chat.kind !== "group" || chat.chatType !== "forum") return undefined;
  checkThread(chat, threadId, true);
  return threadId;
}

/**
 * Resolves reply_parameters (or the legacy reply_to_message_id). A reply without an explicit
 * thread lands in the topic of the message it answers.
 */
export function replyFor(
  ctx: MethodContext,
  chat: ChatRecord,
  threadId: number | undefined,
): { replyTo?: MessageRecord; threadId?: number } {
  const p = ctx.params;
  const rp = p.json<{ message_id?: number; chat_id?: number | string; allow_sending_without_reply?: boolean }>("reply_parameters");
  let messageId: number | undefined;
  let allowWithout = p.bool("allow_sending_without_reply");
  if (rp && rp.message_id !== undefined) {
    messageId = Number(rp.message_id);
    if (rp.allow_sending_without_reply !== undefined) allowWithout = Boolean(rp.allow_sending_without_reply);
  } else {
    messageId = p.int("reply_to_message_id");
  }
  if (messageId === undefined) return { threadId };
  const rec = chat.messages.get(messageId);
  if (!rec) {
    if (allowWithout) return { threadId };
    throw badRequest(E.replyNotFound);
  }
  const target = rec.message.message_thread_id as number | undefined;
  if (threadId === undefined && target !== undefined && chat.kind === "group") {
    checkThread(chat, target, true);
    return { replyTo: rec, threadId: target };
  }
  return { replyTo: rec, threadId };
}

/** Fields every send accepts: protect_content and an inline keyboard. */
export function sendExtras(ctx: MethodContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (ctx.params.bool("protect_content")) out.has_protected_content = true;
  const markup = ctx.params.json<{ inline_keyboard?: unknown }>("reply_markup");
  // Only inline keyboards are part of the message; reply keyboards live in the client.
  if (markup && Array.isArray(markup.inline_keyboard)) out.reply_markup = { inline_keyboard: markup.inline_keyboard };
  return out;
}

/** Validates parse_mode; the emulator stores text as given (no markup parsing). */
export function checkParseMode(ctx: MethodContext, name = "parse_mode"): void {
  const pm = ctx.params.str(name);
  if (pm && !["html", "markdown", "markdownv2"].includes(pm.toLowerCase())) throw badRequest(E.parseModeInvalid);
}

/** Stores a bot message (no update for the bot itself: bots never see their own messages). */
export function postBotMessage(
  ctx: MethodContext,
  chat: ChatRecord,
  content: Record<string, unknown>,
  o: { threadId?: number; replyTo?: MessageRecord; copiedFrom?: { chatId: number; messageId: number } } = {},
): MessageRecord {
  return ctx.world.addMessage(chat, ctx.bot.user, content, { ...o, viaBotToken: ctx.bot.token });
}

export { ApiError };
