/** Changing existing messages: edits, deletions, reactions, and callback query answers. */
import { mediaKind } from "../content.ts";
import { E, badRequest } from "../errors.ts";
import { nowSeconds, type ChatRecord, type MessageRecord } from "../world.ts";
import { chatForRead, chatForSend, checkParseMode, type MethodContext, type MethodHandler } from "./context.ts";

/** Reactions a bot may set (Telegram's standard emoji reaction set). */
export const ALLOWED_REACTIONS = new Set([
  "👍", "👎", "❤", "🔥", "🥰", "👏", "😁", "🤔", "🤯", "😱", "🤬", "😢", "🎉", "🤩", "🤮", "💩", "🙏", "👌", "🕊", "🤡",
  "🥱", "🥴", "😍", "🐳", "❤‍🔥", "🌚", "🌭", "💯", "🤣", "⚡", "🍌", "🏆", "💔", "🤨", "😐", "🍓", "🍾", "💋", "🖕", "😈",
  "😴", "😭", "🤓", "👻", "👨‍💻", "👀", "🎃", "🙈", "😇", "😨", "🤝", "✍", "🤗", "🫡", "🎅", "🎄", "☃", "💅", "🤪", "🗿",
  "🆒", "💘", "🙉", "🦄", "😘", "💊", "🙊", "😎", "👾", "🤷‍♂", "🤷", "🤷‍♀", "😡",
]);

// Edits of a message in a chat whose user blocked the bot fail like sends do.
function editTarget(ctx: MethodContext): { chat: ChatRecord; rec: MessageRecord } {
  if (!ctx.params.has("chat_id")) throw badRequest(E.editNotFound); // inline messages are not emulated
  const chat = chatForSend(ctx);
  const rec = chat.messages.get(ctx.params.reqInt("message_id"));
  if (!rec) throw badRequest(E.editNotFound);
  if (rec.message.from?.id !== ctx.bot.id) throw badRequest(E.cantBeEdited);
  return { chat, rec };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

// Like Telegram, an edit without reply_markup removes the inline keyboard.
function newMarkup(ctx: MethodContext): unknown {
  const m = ctx.params.json<{ inline_keyboard?: unknown[] }>("reply_markup");
  return m?.inline_keyboard?.length ? { inline_keyboard: m.inline_keyboard } : undefined;
}

function commit(ctx: MethodContext, chat: ChatRecord, rec: MessageRecord, changes: Record<string, unknown>, markup: unknown): unknown {
  const m = rec.message;
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete m[k];
    else m[k] = v;
  }
  if (markup === undefined) delete m.reply_markup;
  else m.reply_markup = markup;
  m.edit_date = nowSeconds();
  rec.editCount++;
  ctx.world.emit({ type: "edit", chatId: chat.id, messageId: m.message_id, threadId: m.message_thread_id, data: ctx.world.stored(rec) });
  return JSON.parse(JSON.stringify(m));
}

const editMessageText: MethodHandler = (ctx) => {
  const { chat, rec } = editTarget(ctx);
  const m = rec.message;
  if (m.text === undefined) throw badRequest(E.noTextToEdit);
  const text = ctx.params.str("text");
  if (text === undefined || text.trim() === "") throw badRequest(E.textEmpty);
  if (text.length > 4096) throw badRequest(E.textTooLong);
  checkParseMode(ctx);
  const ents = ctx.params.json<unknown[]>("entities");
  const entities = ents?.length ? ents : undefined;
  const markup = newMarkup(ctx);
  if (m.text === text && same(m.entities, entities) && same(m.reply_markup, markup)) throw badRequest(E.notModified);
  return commit(ctx, chat, rec, { text, entities }, markup);
};

const editMessageCaption: MethodHandler = (ctx) => {
  const { chat, rec } = editTarget(ctx);
  const m = rec.message;
  if (!mediaKind(m) || m.sticker || m.video_note) throw badRequest(E.noCaptionToEdit);
  checkParseMode(ctx);
  const caption = ctx.params.str("caption") || undefined;
  if (caption && caption.length > 1024) throw badRequest(E.captionTooLong);
  const ents = ctx.params.json<unknown[]>("caption_entities");
  const entities = caption && ents?.length ? ents : undefined;
  const markup = newMarkup(ctx);
  if (same(m.caption, caption) && same(m.caption_entities, entities) && same(m.reply_markup, markup)) throw badRequest(E.notModified);
  return commit(ctx, chat, rec, { caption, caption_entities: entities }, markup);
};

const editMessageReplyMarkup: MethodHandler = (ctx) => {
  const { chat, rec } = editTarget(ctx);
  const markup = newMarkup(ctx);
  if (same(rec.message.reply_markup, markup)) throw badRequest(E.notModified);
  return commit(ctx, chat, rec, {}, markup);
};

function remove(ctx: MethodContext, chat: ChatRecord, rec: MessageRecord): void {
  chat.messages.delete(rec.message.message_id);
  ctx.world.emit({ type: "delete", chatId: chat.id, messageId: rec.message.message_id, threadId: rec.message.message_thread_id });
}

// A topic's root message can only go away with the topic itself.
const isTopicRoot = (rec: MessageRecord) => rec.message.forum_topic_created !== undefined;

const deleteMessage: MethodHandler = (ctx) => {
  const chat = chatForRead(ctx);
  const rec = chat.messages.get(ctx.params.reqInt("message_id"));
  if (!rec) throw badRequest(E.deleteNotFound);
  if (isTopicRoot(rec)) throw badRequest(E.cantBeDeleted);
  remove(ctx, chat, rec);
  return true;
};

const deleteMessages: MethodHandler = (ctx) => {
  const chat = chatForRead(ctx);
  const ids = ctx.params.json<unknown[]>("message_ids");
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100) throw badRequest("Bad Request: message_ids is empty");
  let removed = 0;
  for (const id of ids) {
    const rec = chat.messages.get(Number(id));
    if (rec && !isTopicRoot(rec)) {
      remove(ctx, chat, rec);
      removed++;
    }
  }
  if (removed === 0) throw badRequest(E.deleteNotFound);
  return true;
};

const setMessageReaction: MethodHandler = (ctx) => {
  const chat = chatForRead(ctx);
  const rec = chat.messages.get(ctx.params.reqInt("message_id"));
  if (!rec) throw badRequest(E.reactNotFound);
  const list = ctx.params.json<{ type?: string; emoji?: string }[]>("reaction") ?? [];
  const emojis: string[] = [];
  for (const r of list) {
    if (r.type !== "emoji" || !r.emoji || !ALLOWED_REACTIONS.has(r.emoji)) throw badRequest(E.reactionInvalid);
    emojis.push(r.emoji);
  }
  // Bots without Premium get one reaction per message.
  if (emojis.length > 1) throw badRequest(E.reactionInvalid);
  const old = rec.reactions.get(ctx.bot.id) ?? [];
  if (emojis.length) rec.reactions.set(ctx.bot.id, emojis);
  else rec.reactions.delete(ctx.bot.id);
  ctx.world.emit({ type: "reaction", chatId: chat.id, messageId: rec.message.message_id, token: ctx.bot.token, data: { old, new: emojis } });
  return true;
};

const answerCallbackQuery: MethodHandler = (ctx) => {
  const id = ctx.params.reqStr("callback_query_id");
  if (ctx.world.callbackQueries.get(id) !== ctx.bot.id) throw badRequest(E.callbackQueryInvalid);
  ctx.world.callbackQueries.delete(id);
  const text = ctx.params.str("text");
  ctx.world.callbackAnswers.set(id, { ...(text !== undefined ? { text } : {}), ...(ctx.params.bool("show_alert") ? { show_alert: true } : {}) });
  return true;
};

/** Editing methods by name. */
export const editMethods: Record<string, MethodHandler> = {
  editMessageText,
  editMessageCaption,
  editMessageReplyMarkup,
  deleteMessage,
  deleteMessages,
  setMessageReaction,
  answerCallbackQuery,
};
