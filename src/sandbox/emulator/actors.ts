/**
 * What people do: users writing to bots in private chats, operators working in the forum group.
 * Each action changes the world and queues the updates Telegram would send the affected bots.
 * Misuse (unknown ids, editing someone else's message) throws a plain Error: it is a test bug,
 * not a Bot API error.
 */
import type { User } from "@grammyjs/types";
import { ALBUM_KINDS, contentFromControl, mediaKind, newMediaGroupId } from "./content.ts";
import type { DeletedTopicAnswer, EditContent, MessageContent, StoredMessage } from "./types.ts";
import { clone, nowSeconds, type BotRecord, type ChatRecord, type GroupChat, type MessageRecord, type PrivateChat, type World } from "./world.ts";

function activeUser(world: World, userId: number): User {
  const u = world.requireUser(userId);
  if (u.deactivated || u.deleted) throw new Error(`user ${userId} is ${u.deleted ? "deleted" : "deactivated"}`);
  return u.user;
}

function findMessage(chat: ChatRecord, messageId: number): MessageRecord {
  const rec = chat.messages.get(messageId);
  if (!rec) throw new Error(`message ${messageId} not found in chat ${chat.id}`);
  return rec;
}

function setBlocked(world: World, bot: BotRecord, chat: PrivateChat, user: User, blocked: boolean): void {
  if (chat.blocked === blocked) return;
  chat.blocked = blocked;
  const member = { user: clone(bot.user), status: "member" };
  const kicked = { user: clone(bot.user), status: "kicked", until_date: 0 };
  world.deliver(bot, {
    my_chat_member: {
      chat: world.chatView(chat),
      from: clone(user),
      date: nowSeconds(),
      old_chat_member: blocked ? member : kicked,
      new_chat_member: blocked ? kicked : member,
    },
  } as never);
  world.emit({ type: "block", chatId: chat.id, token: bot.token, userId: user.id, data: { blocked } });
}

/** A user sends a message to a bot (starting the chat if needed). */
export function userSends(world: World, token: string, userId: number, content: MessageContent): StoredMessage {
  const bot = world.requireBot(token);
  const user = activeUser(world, userId);
  const chat = world.privateChat(bot, userId, true)!;
  // Writing to a blocked bot means pressing "Restart": Telegram unblocks it first.
  if (chat.blocked) setBlocked(world, bot, chat, user, false);
  const replyTo = content.replyToMessageId !== undefined ? findMessage(chat, content.replyToMessageId) : undefined;
  const rec = world.addMessage(chat, user, contentFromControl(world.files, content), { replyTo });
  world.deliver(bot, { message: rec.message } as never);
  return world.stored(rec);
}

/** A user sends an album: one message and one update per item, sharing a media_group_id. */
export function userSendsAlbum(world: World, token: string, userId: number, items: MessageContent[]): StoredMessage[] {
  if (items.length < 2 || items.length > 10) throw new Error("an album has 2 to 10 items");
  const bot = world.requireBot(token);
  const user = activeUser(world, userId);
  const chat = world.privateChat(bot, userId, true)!;
  if (chat.blocked) setBlocked(world, bot, chat, user, false);
  const groupId = newMediaGroupId();
  const built = items.map((c) => {
    const content = contentFromControl(world.files, c);
    const kind = mediaKind(content);
    if (!kind || !ALBUM_KINDS.has(kind)) throw new Error("album items must be photo, video, document or audio");
    return { content: { media_group_id: groupId, ...content }, replyTo: c.replyToMessageId };
  });
  return built.map(({ content, replyTo }) => {
    const rec = world.addMessage(chat, user, content, { replyTo: replyTo !== undefined ? findMessage(chat, replyTo) : undefined });
    world.deliver(bot, { message: rec.message } as never);
    return world.stored(rec);
  });
}

/** Applies an edit by a person and returns the edited record (throws if nothing to change). */
function applyPersonEdit(world: World, chat: ChatRecord, rec: MessageRecord, userId: number, content: EditContent): MessageRecord {
  if (rec.message.from?.id !== userId) throw new Error(`message ${rec.message.message_id} was not sent by ${userId}`);
  const m = rec.message;
  if (content.text !== undefined) {
    if (m.text === undefined) throw new Error("message has no text");
    m.text = content.text;
    delete m.entities;
  }
  if (content.caption !== undefined) {
    if (!mediaKind(m)) throw new Error("message has no caption");
    m.caption = content.caption;
    delete m.caption_entities;
  }
  m.edit_date = nowSeconds();
  rec.editCount++;
  world.emit({ type: "edit", chatId: chat.id, messageId: m.message_id, threadId: m.message_thread_id, data: world.stored(rec) });
  return rec;
}

/** A user edits their message: the bot gets edited_message. */
export function userEdits(world: World, token: string, userId: number, messageId: number, content: EditContent): StoredMessage {
  const bot = world.requireBot(token);
  activeUser(world, userId);
  const chat = world.privateChat(bot, userId, false);
  if (!chat) throw new Error(`user ${userId} has no chat with the bot`);
  const rec = applyPersonEdit(world, chat, findMessage(chat, messageId), userId, content);
  world.deliver(bot, { edited_message: rec.message } as never);
  return world.stored(rec);
}

function react(world: World, chat: ChatRecord, rec: MessageRecord, user: User, emoji: string | null) {
  const old = rec.reactions.get(user.id) ?? [];
  const now = emoji ? [emoji] : [];
  if (now.length) rec.reactions.set(user.id, now);
  else rec.reactions.delete(user.id);
  world.emit({ type: "reaction", chatId: chat.id, messageId: rec.message.message_id, userId: user.id, data: { old, new: now } });
  return {
    message_reaction: {
      chat: world.chatView(chat),
      message_id: rec.message.message_id,
      user: clone(user),
      date: nowSeconds(),
      old_reaction: old.map((e) => ({ type: "emoji", emoji: e })),
      new_reaction: now.map((e) => ({ type: "emoji", emoji: e })),
    },
  } as never;
}

/** A user sets (or with null removes) their reaction on a message of the private chat. */
export function userReacts(world: World, token: string, userId: number, messageId: number, emoji: string | null): void {
  const bot = world.requireBot(token);
  const user = activeUser(world, userId);
  const chat = world.privateChat(bot, userId, false);
  if (!chat) throw new Error(`user ${userId} has no chat with the bot`);
  world.deliver(bot, react(world, chat, findMessage(chat, messageId), user, emoji));
}

let callbackCounter = 0;

/** A user presses an inline keyboard button under a bot message: callback_query update. */
export function userPressesButton(world: World, token: string, userId: number, messageId: number, data: string): string {
  const bot = world.requireBot(token);
  const user = activeUser(world, userId);
  const chat = world.privateChat(bot, userId, false);
  if (!chat) throw new Error(`user ${userId} has no chat with the bot`);
  const rec = findMessage(chat, messageId);
  const id = `${bot.id}${String(++callbackCounter).padStart(8, "0")}`;
  world.callbackQueries.set(id, bot.id);
  world.deliver(bot, {
    callback_query: { id, from: clone(user), message: rec.message, chat_instance: `-${bot.id}${userId}`, data },
  } as never);
  return id;
}

/** The user blocks the bot: my_chat_member member -> kicked; later sends fail with 403. */
export function userBlocksBot(world: World, token: string, userId: number): void {
  const bot = world.requireBot(token);
  const user = world.requireUser(userId).user;
  setBlocked(world, bot, world.privateChat(bot, userId, true)!, user, true);
}

/** The user unblocks the bot: my_chat_member kicked -> member. */
export function userUnblocksBot(world: World, token: string, userId: number): void {
  const bot = world.requireBot(token);
  const user = world.requireUser(userId).user;
  setBlocked(world, bot, world.privateChat(bot, userId, true)!, user, false);
}

/**
 * The user deletes one of their messages in the chat with the bot. Telegram tells bots nothing
 * about deletions in private chats; a later copy of it fails "message to copy not found".
 */
export function userDeletes(world: World, token: string, userId: number, messageId: number): void {
  const chat = world.privateChat(world.requireBot(token), userId, false);
  if (!chat || !chat.messages.delete(messageId)) throw new Error(`message ${messageId} not found in the chat of ${userId}`);
  world.emit({ type: "delete", chatId: userId, messageId, token });
}

/** The account is deleted: sends to it fail with 403 "user is deactivated". */
export function deactivateUser(world: World, userId: number): void {
  const u = world.requireUser(userId);
  u.deactivated = true;
  world.emit({ type: "user", userId, data: { deactivated: true } });
}

/**
 * The account is gone for good: Telegram no longer knows it, so every call naming the user's chat
 * (a send, a copy from it, getChat) fails with 400 "chat not found".
 */
export function deleteUser(world: World, userId: number): void {
  const u = world.requireUser(userId);
  u.deleted = true;
  world.emit({ type: "user", userId, data: { deleted: true } });
}

function liveTopicThread(group: GroupChat, threadId: number | undefined): number | undefined {
  if (threadId === undefined) return undefined;
  const t = group.topics.get(threadId);
  if (!t || t.deleted) throw new Error(`message thread ${threadId} not found in ${group.id}`);
  return threadId;
}

/**
 * An operator posts in the group (General when threadId is undefined); every bot of the group
 * gets it, unless the poster is itself a bot account.
 */
export function operatorPosts(world: World, groupId: number, userId: number, content: MessageContent & { threadId?: number }): StoredMessage {
  const group = world.requireGroup(groupId);
  const user = activeUser(world, userId);
  group.operators.add(userId);
  let threadId = liveTopicThread(group, content.threadId);
  const replyTo = content.replyToMessageId !== undefined ? findMessage(group, content.replyToMessageId) : undefined;
  // A reply lands in the topic of the message it answers.
  if (threadId === undefined && replyTo?.message.message_thread_id !== undefined) threadId = replyTo.message.message_thread_id;
  const rec = world.addMessage(group, user, contentFromControl(world.files, content), { threadId, replyTo });
  // Bots never see messages of other bots in groups (Telegram's loop protection).
  if (!user.is_bot) world.deliverToGroup(group, { message: rec.message } as never);
  return world.stored(rec);
}

/** An operator edits their message: every bot of the group gets edited_message. */
export function operatorEdits(world: World, groupId: number, userId: number, messageId: number, content: EditContent): StoredMessage {
  const group = world.requireGroup(groupId);
  const user = activeUser(world, userId);
  const rec = applyPersonEdit(world, group, findMessage(group, messageId), userId, content);
  if (!user.is_bot) world.deliverToGroup(group, { edited_message: rec.message } as never);
  return world.stored(rec);
}

/** An operator reacts to a message in the group: message_reaction for every bot (all are admins). */
export function operatorReacts(world: World, groupId: number, userId: number, messageId: number, emoji: string | null): void {
  const group = world.requireGroup(groupId);
  const user = activeUser(world, userId);
  world.deliverToGroup(group, react(world, group, findMessage(group, messageId), user, emoji));
}

/**
 * Someone deletes a topic: it and its messages vanish; later sends there fail "message thread
 * not found", or `TOPIC_DELETED` with `answer: "topic-deleted"` (Telegram answers both).
 */
export function deleteTopic(world: World, groupId: number, threadId: number, answer: DeletedTopicAnswer = "thread-not-found"): void {
  const group = world.requireGroup(groupId);
  const topic = group.topics.get(threadId);
  if (!topic || topic.deleted) throw new Error(`topic ${threadId} not found in ${groupId}`);
  topic.deletedAnswer = answer;
  removeTopic(world, group, threadId);
}

/** Marks a topic deleted and drops its messages (shared with deleteForumTopic). */
export function removeTopic(world: World, group: GroupChat, threadId: number): void {
  const topic = group.topics.get(threadId)!;
  topic.deleted = true;
  for (const [id, rec] of group.messages) {
    if (rec.message.message_thread_id === threadId) group.messages.delete(id);
  }
  world.emit({ type: "topic", chatId: group.id, threadId, data: { ...topic } });
}
