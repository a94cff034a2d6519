/**
 * Original ↔ copy pairs. Each pair joins a message in the user's chat and one in the topic,
 * whichever way it was relayed, so replies and edits can be mapped in both directions.
 */
import { inBatches, inBatchesSync, prepare } from "./prepared.ts";
import type { Db } from "./schema.ts";

/** One pair: the user-side message id and the topic-side message id. */
export interface MessagePair {
  userMessageId: number;
  topicMessageId: number;
}

const insertPairs = prepare<{ bot: string; chat: number; users: readonly number[]; topics: readonly number[]; at: number }>()((db, p, n) =>
  db.insertInto("message_map").values(Array.from({ length: n }, (_, i) => ({
    bot_id: p("bot"), chat_id: p("chat"), user_message_id: p("users", i), topic_message_id: p("topics", i), created_at: p("at"),
  })))
);

/** Records pairs for a conversation; runs in the transaction that completes the delivery. */
export async function recordPairs(db: Db, botId: string, chatId: number, pairs: readonly MessagePair[], now: number): Promise<void> {
  await inBatches(pairs, (batch) =>
    insertPairs.run(db, { bot: botId, chat: chatId, users: batch.map((p) => p.userMessageId), topics: batch.map((p) => p.topicMessageId), at: now }, batch.length));
}

/** {@link recordPairs} at once, inside a synchronous transaction (`transactNowOf`, engine.ts). */
export function recordPairsSync(db: Db, botId: string, chatId: number, pairs: readonly MessagePair[], now: number): void {
  inBatchesSync(pairs, (batch) =>
    insertPairs.runSync(db, { bot: botId, chat: chatId, users: batch.map((p) => p.userMessageId), topics: batch.map((p) => p.topicMessageId), at: now }, batch.length));
}

/** The other side of a message pair, looked up by one side (`by`), newest first. */
type Side = "user_message_id" | "topic_message_id";
const selectOtherSide = (by: Side, other: Side) =>
  prepare<{ bot: string; chat: number; id: number }>()((db, p) =>
    db.selectFrom("message_map")
      .select(other)
      .where("bot_id", "=", p("bot"))
      .where("chat_id", "=", p("chat"))
      .where(by, "=", p("id"))
      // After an in-doubt resend a topic message has two user-side copies: the newest is the live one.
      .orderBy("created_at", "desc")
      .limit(1)
  );

const selectTopicSide = selectOtherSide("user_message_id", "topic_message_id");

/** The topic-side counterpart of a message in the user's chat. */
export async function topicSideOf(db: Db, botId: string, chatId: number, userMessageId: number): Promise<number | undefined> {
  return (await selectTopicSide.run(db, { bot: botId, chat: chatId, id: userMessageId })).rows[0]?.topic_message_id;
}

const selectUserSide = selectOtherSide("topic_message_id", "user_message_id");

/** The user-side counterpart of a topic message (topic message ids are unique in the group). */
export async function userSideOf(db: Db, botId: string, chatId: number, topicMessageId: number): Promise<number | undefined> {
  return (await selectUserSide.run(db, { bot: botId, chat: chatId, id: topicMessageId })).rows[0]?.user_message_id;
}

const selectChatOfTopicMessage = prepare<{ bot: string; topic: number }>()((db, p) =>
  db.selectFrom("message_map").select("chat_id").where("bot_id", "=", p("bot")).where("topic_message_id", "=", p("topic")).limit(1)
);

/** The conversation a relayed topic message belongs to. */
export async function chatOfTopicMessage(db: Db, botId: string, topicMessageId: number): Promise<number | undefined> {
  return (await selectChatOfTopicMessage.run(db, { bot: botId, topic: topicMessageId })).rows[0]?.chat_id;
}
