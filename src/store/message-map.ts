/**
 * Original ↔ copy pairs. Each pair joins a message in the user's chat and one in the topic,
 * whichever way it was relayed, so replies and edits can be mapped in both directions.
 */
import type { Db } from "./open.ts";

/** One pair: the user-side message id and the topic-side message id. */
export interface MessagePair {
  userMessageId: number;
  topicMessageId: number;
}

/** Records pairs for a conversation; runs in the transaction that completes the delivery. */
export async function recordPairs(db: Db, botId: string, chatId: number, pairs: readonly MessagePair[], now: number): Promise<void> {
  if (pairs.length === 0) return;
  await db
    .insertInto("message_map")
    .values(pairs.map((p) => ({ bot_id: botId, chat_id: chatId, user_message_id: p.userMessageId, topic_message_id: p.topicMessageId, created_at: now })))
    .execute();
}

/** The topic-side counterpart of a message in the user's chat. */
export async function topicSideOf(db: Db, botId: string, chatId: number, userMessageId: number): Promise<number | undefined> {
  const row = await db
    .selectFrom("message_map")
    .select("topic_message_id")
    .where("bot_id", "=", botId)
    .where("chat_id", "=", chatId)
    .where("user_message_id", "=", userMessageId)
    .orderBy("created_at", "desc")
    .executeTakeFirst();
  return row?.topic_message_id;
}

/** The user-side counterpart of a topic message (topic message ids are unique in the group). */
export async function userSideOf(db: Db, botId: string, chatId: number, topicMessageId: number): Promise<number | undefined> {
  const row = await db
    .selectFrom("message_map")
    .select("user_message_id")
    .where("bot_id", "=", botId)
    .where("chat_id", "=", chatId)
    .where("topic_message_id", "=", topicMessageId)
    // After an in-doubt resend a topic message has two user-side copies: the newest is the live one.
    .orderBy("created_at", "desc")
    .executeTakeFirst();
  return row?.user_message_id;
}

/** The conversation a relayed topic message belongs to. */
export async function chatOfTopicMessage(db: Db, botId: string, topicMessageId: number): Promise<number | undefined> {
  const row = await db
    .selectFrom("message_map")
    .select("chat_id")
    .where("bot_id", "=", botId)
    .where("topic_message_id", "=", topicMessageId)
    .executeTakeFirst();
  return row ? Number(row.chat_id) : undefined;
}
