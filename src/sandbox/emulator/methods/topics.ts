/**
 * Forum topic management. Each change leaves a service message in the topic (root
 * forum_topic_created, then forum_topic_edited/closed/reopened) which — unlike a bot's other
 * messages — every bot of the group, the acting one included, receives as a `message` update.
 */
import { removeTopic } from "../actors.ts";
import { E, badRequest } from "../errors.ts";
import type { GroupChat, TopicRecord } from "../world.ts";
import { chatForSend, checkThread, requireForum, type MethodContext, type MethodHandler } from "./context.ts";

/** The six icon colours Telegram allows for topics. */
export const TOPIC_COLORS = [7322096, 16766590, 13338331, 9367192, 16749490, 16478047] as const;

function serviceMessage(ctx: MethodContext, group: GroupChat, content: Record<string, unknown>, threadId: number, root = false) {
  const rec = ctx.world.addMessage(group, ctx.bot.user, content, root ? { isTopicRoot: true, viaBotToken: ctx.bot.token } : { threadId, viaBotToken: ctx.bot.token });
  ctx.world.deliverToGroup(group, { message: rec.message } as never);
  return rec;
}

function topicOf(ctx: MethodContext): { group: GroupChat; topic: TopicRecord } {
  const group = requireForum(chatForSend(ctx));
  const threadId = ctx.params.reqInt("message_thread_id");
  checkThread(group, threadId, false);
  return { group, topic: group.topics.get(threadId)! };
}

function topicChanged(ctx: MethodContext, group: GroupChat, topic: TopicRecord): void {
  ctx.world.emit({ type: "topic", chatId: group.id, threadId: topic.threadId, data: { ...topic } });
}

function checkName(name: string): void {
  if (name.length > 128) throw badRequest(E.topicNameInvalid);
}

const createForumTopic: MethodHandler = (ctx) => {
  const group = requireForum(chatForSend(ctx));
  const name = ctx.params.reqStr("name");
  checkName(name);
  const color = ctx.params.int("icon_color") ?? TOPIC_COLORS[0];
  if (!(TOPIC_COLORS as readonly number[]).includes(color)) throw badRequest(E.iconColorInvalid);
  const emoji = ctx.params.str("icon_custom_emoji_id") || undefined;
  ctx.world.consumeQuota(ctx.bot, group, 1);
  const created: Record<string, unknown> = { name, icon_color: color };
  if (emoji) created.icon_custom_emoji_id = emoji;
  // The root message's id is the topic's message_thread_id.
  const threadId = group.nextMessageId;
  const topic: TopicRecord = { threadId, name, iconColor: color, closed: false, deleted: false };
  if (emoji) topic.iconCustomEmojiId = emoji;
  group.topics.set(threadId, topic);
  serviceMessage(ctx, group, { forum_topic_created: created }, threadId, true);
  topicChanged(ctx, group, topic);
  return { message_thread_id: threadId, ...created };
};

const editForumTopic: MethodHandler = (ctx) => {
  const { group, topic } = topicOf(ctx);
  const edited: Record<string, unknown> = {};
  const name = ctx.params.str("name");
  if (name !== undefined && name !== "" && name !== topic.name) {
    checkName(name);
    edited.name = name;
  }
  if (ctx.params.raw.icon_custom_emoji_id !== undefined) {
    const emoji = ctx.params.str("icon_custom_emoji_id") ?? "";
    if (emoji !== (topic.iconCustomEmojiId ?? "")) edited.icon_custom_emoji_id = emoji;
  }
  if (Object.keys(edited).length === 0) throw badRequest(E.topicNotModified);
  if (edited.name !== undefined) topic.name = edited.name as string;
  if (edited.icon_custom_emoji_id !== undefined) {
    if (edited.icon_custom_emoji_id) topic.iconCustomEmojiId = edited.icon_custom_emoji_id as string;
    else delete topic.iconCustomEmojiId;
  }
  serviceMessage(ctx, group, { forum_topic_edited: edited }, topic.threadId);
  topicChanged(ctx, group, topic);
  return true;
};

function setClosed(closed: boolean): MethodHandler {
  return (ctx) => {
    const { group, topic } = topicOf(ctx);
    if (topic.closed === closed) throw badRequest(E.topicNotModified);
    topic.closed = closed;
    serviceMessage(ctx, group, closed ? { forum_topic_closed: {} } : { forum_topic_reopened: {} }, topic.threadId);
    topicChanged(ctx, group, topic);
    return true;
  };
}

const deleteForumTopic: MethodHandler = (ctx) => {
  const { group, topic } = topicOf(ctx);
  removeTopic(ctx.world, group, topic.threadId);
  return true;
};

/** Topic methods by name. */
export const topicMethods: Record<string, MethodHandler> = {
  createForumTopic,
  editForumTopic,
  closeForumTopic: setClosed(true),
  reopenForumTopic: setClosed(false),
  deleteForumTopic,
};
