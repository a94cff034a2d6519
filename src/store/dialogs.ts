/**
 * Conversations as the Topics API reads them: one by user chat or by topic, or the open ones,
 * each with when it last changed. Read-only; the snapshot stays opaque JSON for the caller.
 */
import type { Db } from "./schema.ts";

/** A conversation row with its last change. */
export interface DialogRow {
  readonly chatId: number;
  readonly topicId: number | null;
  readonly state: string;
  /** The snapshot's JSON, parsed. */
  readonly snapshot: unknown;
  /** When the conversation last changed (ms since the epoch). */
  readonly updatedAt: number;
}

const columns = ["chat_id", "topic_id", "state", "snapshot", "updated_at"] as const;

const toRow = (r: { chat_id: number; topic_id: number | null; state: string; snapshot: string; updated_at: number }): DialogRow => ({
  chatId: r.chat_id, topicId: r.topic_id, state: r.state, snapshot: JSON.parse(r.snapshot), updatedAt: r.updated_at,
});

/** The conversation with the user (or monitored chat) `chatId`. */
export async function dialogOfChat(db: Db, botId: string, chatId: number): Promise<DialogRow | undefined> {
  const row = await db.selectFrom("conversations").select(columns).where("bot_id", "=", botId).where("chat_id", "=", chatId).executeTakeFirst();
  return row && toRow(row);
}

/** The conversation whose topic is `topicId`. */
export async function dialogOfTopic(db: Db, botId: string, topicId: number): Promise<DialogRow | undefined> {
  const row = await db.selectFrom("conversations").select(columns).where("bot_id", "=", botId).where("topic_id", "=", topicId).limit(1).executeTakeFirst();
  return row && toRow(row);
}

/** Every open conversation (state `topic-open`) of the bot. */
export async function openDialogs(db: Db, botId: string): Promise<DialogRow[]> {
  const rows = await db.selectFrom("conversations").select(columns).where("bot_id", "=", botId).where("state", "=", "topic-open").execute();
  return rows.map(toRow);
}
