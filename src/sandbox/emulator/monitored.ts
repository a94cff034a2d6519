/**
 * What happens in the groups and channels a bot monitors (not the operators' forum): a bot is
 * added to a chat, people write in a group, an admin posts in a channel. Each action queues the
 * updates Telegram would send the chat's bots. Misuse throws a plain Error (a test bug).
 */
import type { User } from "@grammyjs/types";
import { ALBUM_KINDS, contentFromControl, mediaKind, newMediaGroupId } from "./content.ts";
import type { MessageContent, StoredMessage } from "./types.ts";
import { clone, type GroupChat, nowSeconds, type World } from "./world.ts";

function monitoredChat(world: World, chatId: number): GroupChat {
  const chat = world.requireGroup(chatId);
  if (chat.chatType === "forum") throw new Error(`chat ${chatId} is a forum group; use operatorPosts`);
  return chat;
}

function person(world: World, userId: number): User {
  const u = world.requireUser(userId);
  if (u.deactivated || u.deleted) throw new Error(`user ${userId} is ${u.deleted ? "deleted" : "deactivated"}`);
  return u.user;
}

/**
 * A member (`byUserId`) adds the bot to a group, or makes it an admin of a channel: the bot gets
 * my_chat_member, and in a group also the "new member" service message.
 */
export function addBotToChat(world: World, chatId: number, token: string, byUserId: number): void {
  const chat = monitoredChat(world, chatId);
  const bot = world.requireBot(token);
  const by = person(world, byUserId);
  chat.operators.add(byUserId);
  chat.bots.add(bot.id);
  const status = chat.chatType === "channel" ? { status: "administrator", can_post_messages: true } : { status: "member" };
  world.deliver(bot, {
    my_chat_member: {
      chat: world.chatView(chat),
      from: clone(by),
      date: nowSeconds(),
      old_chat_member: { user: clone(bot.user), status: "left" },
      new_chat_member: { user: clone(bot.user), ...status },
    },
  } as never);
  if (chat.chatType === "group") {
    const rec = world.addMessage(chat, by, { new_chat_members: [clone(bot.user)], new_chat_member: clone(bot.user), new_chat_participant: clone(bot.user) });
    world.deliverToGroup(chat, { message: rec.message } as never);
  }
}

/** Someone joins a group: a service message every bot of the group sees. */
export function userJoinsGroup(world: World, chatId: number, userId: number): StoredMessage {
  const chat = monitoredChat(world, chatId);
  const user = person(world, userId);
  chat.operators.add(userId);
  const rec = world.addMessage(chat, user, { new_chat_members: [clone(user)], new_chat_member: clone(user), new_chat_participant: clone(user) });
  world.deliverToGroup(chat, { message: rec.message } as never);
  return world.stored(rec);
}

/**
 * A member writes in a group (joining it first if needed). Every bot of the group gets it, unless
 * the writer is itself a bot (Telegram never shows bots each other's group messages).
 */
export function userWritesInGroup(world: World, chatId: number, userId: number, content: MessageContent): StoredMessage {
  const chat = monitoredChat(world, chatId);
  if (chat.chatType !== "group") throw new Error(`chat ${chatId} is a channel; use channelPosts`);
  const user = person(world, userId);
  chat.operators.add(userId);
  const replyTo = content.replyToMessageId !== undefined ? chat.messages.get(content.replyToMessageId) : undefined;
  if (content.replyToMessageId !== undefined && !replyTo) throw new Error(`message ${content.replyToMessageId} not found in chat ${chatId}`);
  const rec = world.addMessage(chat, user, contentFromControl(world.files, content), { replyTo });
  if (!user.is_bot) world.deliverToGroup(chat, { message: rec.message } as never);
  return world.stored(rec);
}

/** A member sends an album in a group: one message and one update per item, sharing a media_group_id. */
export function userWritesAlbumInGroup(world: World, chatId: number, userId: number, items: MessageContent[]): StoredMessage[] {
  if (items.length < 2 || items.length > 10) throw new Error("an album has 2 to 10 items");
  const chat = monitoredChat(world, chatId);
  if (chat.chatType !== "group") throw new Error(`chat ${chatId} is a channel; use channelPosts`);
  const user = person(world, userId);
  chat.operators.add(userId);
  const groupId = newMediaGroupId();
  const built = items.map((c) => {
    const content = contentFromControl(world.files, c);
    const kind = mediaKind(content);
    if (!kind || !ALBUM_KINDS.has(kind)) throw new Error("album items must be photo, video, document or audio");
    return { media_group_id: groupId, ...content };
  });
  return built.map((content) => {
    const rec = world.addMessage(chat, user, content);
    if (!user.is_bot) world.deliverToGroup(chat, { message: rec.message } as never);
    return world.stored(rec);
  });
}

/** An admin (`byUserId`) posts in a channel: every bot admin of the channel gets channel_post. */
export function channelPosts(world: World, chatId: number, byUserId: number, content: MessageContent): StoredMessage {
  const chat = monitoredChat(world, chatId);
  if (chat.chatType !== "channel") throw new Error(`chat ${chatId} is not a channel`);
  const by = person(world, byUserId);
  chat.operators.add(byUserId);
  const rec = world.addMessage(chat, by, contentFromControl(world.files, content));
  world.deliverToGroup(chat, { channel_post: rec.message } as never);
  return world.stored(rec);
}
