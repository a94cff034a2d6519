/** Conversation rows: the persisted actor snapshot plus the topic id that routes operator messages. */
import type { StoredSnapshot } from "../conversation/step.ts";
import type { Db } from "./open.ts";

/** A conversation as stored. */
export interface ConversationRow {
  chatId: number;
  topicId: number | null;
  state: string;
  snapshot: StoredSnapshot;
}

/** Reads one conversation, or undefined for a user never seen. */
export async function loadConversation(db: Db, botId: string, chatId: number): Promise<ConversationRow | undefined> {
  const row = await db
    .selectFrom("conversations")
    .select(["chat_id", "topic_id", "state", "snapshot"])
    .where("bot_id", "=", botId)
    .where("chat_id", "=", chatId)
    .executeTakeFirst();
  return row && { chatId: Number(row.chat_id), topicId: row.topic_id, state: row.state, snapshot: JSON.parse(row.snapshot) };
}

/** The user chat whose topic this is; undefined for topics we did not create. */
export async function chatOfTopic(db: Db, botId: string, topicId: number): Promise<number | undefined> {
  const row = await db
    .selectFrom("conversations")
    .select("chat_id")
    .where("bot_id", "=", botId)
    .where("topic_id", "=", topicId)
    .executeTakeFirst();
  return row ? Number(row.chat_id) : undefined;
}

/** Inserts or replaces a conversation; runs inside the step's commit transaction. */
export async function saveConversation(db: Db, botId: string, row: ConversationRow, now: number): Promise<void> {
  const snapshot = JSON.stringify(row.snapshot);
  const user = JSON.stringify(row.snapshot.context.user);
  await db
    .insertInto("conversations")
    .values({ bot_id: botId, chat_id: row.chatId, topic_id: row.topicId, state: row.state, snapshot, user, created_at: now, updated_at: now })
    .onConflict((c) =>
      c.columns(["bot_id", "chat_id"]).doUpdateSet({ topic_id: row.topicId, state: row.state, snapshot, user, updated_at: now })
    )
    .execute();
}

/** How many conversations a bot has, by state (for logs and the benchmark). */
export async function countConversations(db: Db, botId: string): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom("conversations")
    .select(["state", db.fn.countAll<number>().as("n")])
    .where("bot_id", "=", botId)
    .groupBy("state")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}
