/**
 * The outbox: intents queued per conversation (`chat_id` is the delivery lane), delivered
 * strictly in id order. The store keeps an intent as opaque JSON: the pipeline names its type.
 */
import { dialectOfDb } from "./engine.ts";
import { inBatches, inBatchesSync, prepare } from "./prepared.ts";
import type { Db } from "./schema.ts";

/** One queued intent, of the caller's intent type `I`. */
export interface OutboxRow<I = unknown> {
  id: number;
  chatId: number;
  intent: I;
  attempts: number;
  notBefore: number;
  createdAt: number;
}

// Rows of one statement get ids in the order of its values. The pipeline's mirror of the lanes
// (pipeline/outbox-mirror.ts) needs them: `returning` gives them (SQLite ≥ 3.35, PostgreSQL),
// or, where the dialect numbers consecutively, the insert's last id does without a reader.
const insertIntents = prepare<{ bot: string; chat: number; intents: readonly string[]; at: number }>()((db, p, n) =>
  db.insertInto("outbox").values(Array.from({ length: n }, (_, i) => ({
    bot_id: p("bot"), chat_id: p("chat"), intent: p("intents", i), attempts: 0, not_before: 0, created_at: p("at"),
  })))
);
const insertIntentsReturning = prepare<{ bot: string; chat: number; intents: readonly string[]; at: number }>()((db, p, n) =>
  db.insertInto("outbox").values(Array.from({ length: n }, (_, i) => ({
    bot_id: p("bot"), chat_id: p("chat"), intent: p("intents", i), attempts: 0, not_before: 0, created_at: p("at"),
  }))).returning("id")
);

/** The ids of the rows of one insert of `n` values, in the order of the values. */
async function insertedIds(db: Db, params: { bot: string; chat: number; intents: readonly string[]; at: number }, n: number): Promise<number[]> {
  if (dialectOfDb(db).consecutiveInsertIds) {
    const { insertId, numAffectedRows } = await insertIntents.run(db, params, n);
    if (insertId === undefined || Number(numAffectedRows) !== n) throw new Error(`store: ${n} intents queued but the insert says ${numAffectedRows} rows, last id ${insertId}`);
    const last = Number(insertId);
    return Array.from({ length: n }, (_, i) => last - n + 1 + i);
  }
  const ids = (await insertIntentsReturning.run(db, params, n)).rows.map((r) => Number(r.id));
  if (ids.length !== n) throw new Error(`store: ${n} intents queued but ${ids.length} ids returned`);
  // The order `returning` answers in is not promised: the values got ascending ids.
  for (let i = 1; i < n; i++) {
    if (ids[i] < ids[i - 1]) return ids.sort((a, b) => a - b);
  }
  return ids;
}

/**
 * Queues intents for a conversation, in order; runs inside the step's commit transaction.
 * Answers the rows as stored (their intents decoded from the stored JSON, as a read would).
 */
export async function enqueueIntents<I = unknown>(db: Db, botId: string, chatId: number, intents: readonly I[], now: number): Promise<OutboxRow<I>[]> {
  const queued: OutboxRow<I>[] = [];
  await inBatches(intents, async (batch) => {
    const json = batch.map((i) => JSON.stringify(i));
    const ids = await insertedIds(db, { bot: botId, chat: chatId, intents: json, at: now }, json.length);
    for (let i = 0; i < json.length; i++) queued.push({ id: ids[i], chatId, intent: JSON.parse(json[i]) as I, attempts: 0, notBefore: 0, createdAt: now });
  });
  return queued;
}

const selectHead = prepare<{ bot: string; chat: number; limit: number }>()((db, p) =>
  db.selectFrom("outbox").selectAll().where("bot_id", "=", p("bot")).where("chat_id", "=", p("chat")).orderBy("id").limit(p("limit"))
);

type HeadRow = { id: number; chat_id: number; intent: string; attempts: number; not_before: number; created_at: number };
const rowOf = <I>(r: HeadRow): OutboxRow<I> => ({ id: r.id, chatId: r.chat_id, intent: JSON.parse(r.intent) as I, attempts: r.attempts, notBefore: r.not_before, createdAt: r.created_at });

/** The first rows of a conversation's queue, oldest first; `I` is the caller's intent type. */
export async function laneHead<I = unknown>(db: Db, botId: string, chatId: number, limit: number): Promise<OutboxRow<I>[]> {
  const { rows } = await selectHead.run(db, { bot: botId, chat: chatId, limit });
  return rows.map(rowOf<I>);
}

/** {@link laneHead} at once where the engine allows (see `Prepared.runNow`), else undefined. */
export function laneHeadNow<I = unknown>(db: Db, botId: string, chatId: number, limit: number): OutboxRow<I>[] | undefined {
  return selectHead.runNow(db, { bot: botId, chat: chatId, limit })?.rows.map(rowOf<I>);
}

const selectAllRows = prepare<{ bot: string; limit: number }>()((db, p) =>
  db.selectFrom("outbox").selectAll().where("bot_id", "=", p("bot")).orderBy("id").limit(p("limit"))
);

/** The first `limit` rows of the whole outbox of a bot, oldest first. */
export async function outboxRows<I = unknown>(db: Db, botId: string, limit: number): Promise<OutboxRow<I>[]> {
  const { rows } = await selectAllRows.run(db, { bot: botId, limit });
  return rows.map(rowOf<I>);
}

/** {@link outboxRows} at once where the engine allows (see `Prepared.runNow`), else undefined. */
export function outboxRowsNow<I = unknown>(db: Db, botId: string, limit: number): OutboxRow<I>[] | undefined {
  return selectAllRows.runNow(db, { bot: botId, limit })?.rows.map(rowOf<I>);
}

/** Conversations with anything queued, for restarting delivery after a crash. */
export async function chatsWithPendingIntents(db: Db, botId: string): Promise<number[]> {
  const rows = await db.selectFrom("outbox").select("chat_id").distinct().where("bot_id", "=", botId).execute();
  return rows.map((r) => r.chat_id);
}

const deleteIntents = prepare<{ ids: readonly number[] }>()((db, p, n) =>
  db.deleteFrom("outbox").where("id", "in", Array.from({ length: n }, (_, i) => p("ids", i)))
);

/** Removes delivered (or given-up) rows. */
export async function removeIntents(db: Db, ids: readonly number[]): Promise<void> {
  await inBatches(ids, (batch) => deleteIntents.run(db, { ids: batch }, batch.length));
}

/** {@link removeIntents} at once, inside a synchronous transaction (`transactNowOf`, engine.ts). */
export function removeIntentsSync(db: Db, ids: readonly number[]): void {
  inBatchesSync(ids, (batch) => deleteIntents.runSync(db, { ids: batch }, batch.length));
}

/** Postpones a row after a failure. */
export async function deferIntent(db: Db, id: number, notBefore: number, attempts: number): Promise<void> {
  await db.updateTable("outbox").set({ not_before: notBefore, attempts }).where("id", "=", id).execute();
}

/**
 * The oldest row of a lane with an intent of `type` (a lane runs a pending `createTopic` before
 * anything that needs the topic). The pipeline stores intents as JSON with `type` first.
 */
export async function firstIntentOfType<I = unknown>(db: Db, botId: string, chatId: number, type: string): Promise<OutboxRow<I> | undefined> {
  const r = await db
    .selectFrom("outbox")
    .selectAll()
    .where("bot_id", "=", botId)
    .where("chat_id", "=", chatId)
    .where("intent", "like", `{"type":"${type}"%`)
    .orderBy("id")
    .limit(1)
    .executeTakeFirst();
  return r && { id: r.id, chatId: r.chat_id, intent: JSON.parse(r.intent) as I, attempts: r.attempts, notBefore: r.not_before, createdAt: r.created_at };
}

/** Removes a lane's queued rows with an intent of `type` (a newer one supersedes them); answers their ids. */
export async function dropPendingOfType(db: Db, botId: string, chatId: number, type: string): Promise<number[]> {
  const rows = await db.deleteFrom("outbox").where("bot_id", "=", botId).where("chat_id", "=", chatId).where("intent", "like", `{"type":"${type}"%`).returning("id").execute();
  return rows.map((r) => Number(r.id));
}
