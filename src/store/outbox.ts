/** The outbox: intents per lane (one lane per conversation), delivered strictly in id order. */
import type { Intent } from "../conversation/intents.ts";
import type { Db } from "./open.ts";

/** One queued intent. */
export interface OutboxRow {
  id: number;
  chatId: number;
  intent: Intent;
  attempts: number;
  notBefore: number;
  createdAt: number;
}

/** The lane of a conversation. */
export const laneOf = (chatId: number): string => `c:${chatId}`;

/** Queues intents for a conversation; runs inside the step's commit transaction. */
export async function enqueueIntents(db: Db, botId: string, chatId: number, intents: readonly Intent[], now: number): Promise<void> {
  if (intents.length === 0) return;
  await db
    .insertInto("outbox")
    .values(intents.map((intent) => ({
      bot_id: botId, lane: laneOf(chatId), chat_id: chatId, intent: JSON.stringify(intent),
      attempts: 0, not_before: 0, created_at: now,
    })))
    .execute();
}

/** The first rows of a lane, oldest first. */
export async function laneHead(db: Db, botId: string, chatId: number, limit: number): Promise<OutboxRow[]> {
  const rows = await db
    .selectFrom("outbox")
    .selectAll()
    .where("bot_id", "=", botId)
    .where("lane", "=", laneOf(chatId))
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id, chatId: Number(r.chat_id), intent: JSON.parse(r.intent) as Intent, attempts: r.attempts,
    notBefore: Number(r.not_before), createdAt: Number(r.created_at),
  }));
}

/** Conversations with anything queued, for restarting delivery after a crash. */
export async function chatsWithPendingIntents(db: Db, botId: string): Promise<number[]> {
  const rows = await db.selectFrom("outbox").select("chat_id").distinct().where("bot_id", "=", botId).execute();
  return rows.map((r) => Number(r.chat_id));
}

/** Removes delivered (or given-up) rows. */
export async function removeIntents(db: Db, ids: readonly number[]): Promise<void> {
  if (ids.length > 0) await db.deleteFrom("outbox").where("id", "in", ids).execute();
}

/** Postpones a row after a failure. */
export async function deferIntent(db: Db, id: number, notBefore: number, attempts: number): Promise<void> {
  await db.updateTable("outbox").set({ not_before: notBefore, attempts }).where("id", "=", id).execute();
}

/** Rewrites a row's intent (e.g. dropping a reply target that no longer exists). */
export async function replaceIntent(db: Db, id: number, intent: Intent): Promise<void> {
  await db.updateTable("outbox").set({ intent: JSON.stringify(intent) }).where("id", "=", id).execute();
}

/** Queue length of a bot, for logs and the benchmark. */
export async function outboxSize(db: Db, botId: string): Promise<number> {
  const row = await db.selectFrom("outbox").select(db.fn.countAll<number>().as("n")).where("bot_id", "=", botId).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * The oldest row of a lane with an intent of `type` (a lane runs a pending `createTopic` before
 * anything that needs the topic). Intents are stored as JSON with `type` first.
 */
export async function firstIntentOfType(db: Db, botId: string, chatId: number, type: string): Promise<OutboxRow | undefined> {
  const r = await db
    .selectFrom("outbox")
    .selectAll()
    .where("bot_id", "=", botId)
    .where("chat_id", "=", chatId)
    .where("intent", "like", `{"type":"${type}"%`)
    .orderBy("id")
    .limit(1)
    .executeTakeFirst();
  return r && {
    id: r.id, chatId: Number(r.chat_id), intent: JSON.parse(r.intent) as Intent, attempts: r.attempts,
    notBefore: Number(r.not_before), createdAt: Number(r.created_at),
  };
}
