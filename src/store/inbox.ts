/** The inbox: accepted updates, deduplicated by (bot, update_id), processed in order. */
import type { Update } from "@grammyjs/types";
import { addDeadLetters, type DeadLetter, type StoredDeadLetter } from "./dead-letters.ts";
import { dialectOfDb } from "./engine.ts";
import { inBatches, type ParamRef, prepare } from "./prepared.ts";
import { mirrorUpdates } from "./proxy-updates.ts";
import type { Db } from "./schema.ts";

/** One accepted update still waiting for (or done with) its step. */
export interface InboxRow {
  updateId: number;
  update: Update;
}

/** Options of {@link acceptUpdates}. */
export interface AcceptOptions {
  /** Picks the updates a parallel system behind the proxy must see too (queued in the same transaction). */
  mirror?: (u: Update) => boolean;
  /**
   * What an update is, independent of its id, for sources that may deliver the same thing twice
   * under different ids (MTProto catch-up after a crash); a second one with the same key is ignored.
   */
  sourceKey?: (u: Update) => string | undefined;
  /**
   * A write of the caller's that must commit with the updates or not at all (the Topics API's
   * idempotency key); throwing rolls the whole accept back.
   */
  alsoWrite?: (tx: Db) => Promise<void>;
  /**
   * Every update must be new: an id already stored rolls the whole batch back with
   * {@link UpdateIdTaken}. For synthetic ids made on several instances at once (util/synthetic-id.ts),
   * which may meet; the caller takes new ids and tries again. With `sourceKey`, an update whose
   * key is stored already is a true duplicate (MTProto catch-up) and is dropped as usual: only an
   * update lost to another's id rolls the batch back.
   */
  allFresh?: boolean;
}

/** Thrown inside the accepting transaction when `allFresh` was asked and an id was taken (see {@link AcceptOptions}). */
export class UpdateIdTaken extends Error {}

// Without a conflict target, both the id and the source key deduplicate.
const insertUpdates = prepare<{ bot: string; at: number; ids: readonly number[]; payloads: readonly string[]; keys: readonly (string | null)[] }>()((db, p, n) =>
  db.insertInto("inbox")
    .values(Array.from({ length: n }, (_, i) => ({
      bot_id: p("bot"), update_id: p("ids", i), payload: p("payloads", i), received_at: p("at"), processed: 0, source_key: p("keys", i),
    })))
    .onConflict((c) => c.doNothing())
);

/** The `bot_state` key of the polling offset (the highest Telegram update id accepted). */
export const offsetKey = "last_update_id";

// Only ever moves forward. Compared as numbers: the column is text, and "999999999" > "1000000000" as text.
const raiseLastUpdateId = prepare<{ bot: string; value: string }>()((db, p) =>
  db.insertInto("bot_state")
    .values({ bot_id: p("bot"), key: offsetKey, value: p("value") })
    .onConflict((c) =>
      c.columns(["bot_id", "key"])
        .doUpdateSet({ value: (eb) => eb.ref("excluded.value") })
        .where((eb) => eb(eb.cast("bot_state.value", "bigint"), "<", eb.cast("excluded.value", "bigint")))
    )
);

/**
 * Saves a batch in one transaction; duplicates (Telegram re-sending an unconfirmed update) are
 * ignored. Returns how many were new. Sources acknowledge to Telegram only after this resolves.
 */
export async function acceptUpdates(db: Db, botId: string, updates: readonly Update[], now: number, o: AcceptOptions = {}): Promise<number> {
  return (await acceptIntake(db, botId, { updates: updates.map((update) => ({ update, payload: JSON.stringify(update) })), dead: [] }, now, o)).fresh;
}

/** A decoded update and the text to store for it. */
export interface IncomingUpdate {
  readonly update: Update;
  readonly payload: string;
}

/** What a source handed over, sorted: updates for the inbox, and dead letters. */
export interface Intake {
  readonly updates: readonly IncomingUpdate[];
  readonly dead: readonly DeadLetter[];
}

/**
 * Saves the updates and the dead letters of one intake in one transaction, and moves the
 * polling offset past both. Returns how many updates were new and the dead letters that were.
 */
export async function acceptIntake(db: Db, botId: string, intake: Intake, now: number, o: AcceptOptions = {}): Promise<{ fresh: number; dead: StoredDeadLetter[] }> {
  const { updates, dead } = intake;
  if (updates.length === 0 && dead.length === 0) return { fresh: 0, dead: [] };
  return db.transaction().execute(async (tx) => {
    if (o.mirror) await mirrorUpdates(tx, botId, updates.map((u) => u.update).filter(o.mirror), now);
    let inserted = 0;
    await inBatches(updates, async (batch) => {
      const params = { bot: botId, at: now, ids: batch.map((u) => u.update.update_id), payloads: batch.map((u) => u.payload), keys: batch.map((u) => o.sourceKey?.(u.update) ?? null) };
      inserted += Number((await insertUpdates.run(tx, params, batch.length)).numAffectedRows ?? 0);
    });
    if (o.allFresh && inserted < updates.length && !(o.sourceKey && await everyKeyStored(tx, botId, updates, o.sourceKey))) {
      throw new UpdateIdTaken("a synthetic update id was taken meanwhile");
    }
    const added = dead.length > 0 ? await addDeadLetters(tx, botId, dead, now) : [];
    // Synthetic updates (intercepted messages) have negative ids and never move the offset; a
    // dead letter with a usable id does, so a restart does not fetch it again.
    let max = 0;
    for (const u of updates) if (u.update.update_id > max) max = u.update.update_id;
    for (const d of dead) if (d.updateId !== null && d.updateId > max) max = d.updateId;
    if (max > 0) await raiseLastUpdateId.run(tx, { bot: botId, value: String(max) });
    if (o.alsoWrite) await o.alsoWrite(tx);
    return { fresh: inserted, dead: added };
  });
}

/**
 * Whether every update's source key is in the inbox (after the insert): then each update not
 * inserted was a duplicate by its key. One dropped because another update holds its id leaves its
 * key missing. Asked only when some update was not inserted (a catch-up, or a taken id).
 */
async function everyKeyStored(tx: Db, botId: string, updates: readonly IncomingUpdate[], sourceKey: (u: Update) => string | undefined): Promise<boolean> {
  const keys = new Set<string>();
  for (const u of updates) {
    const key = sourceKey(u.update);
    if (key === undefined) return false;
    keys.add(key);
  }
  let found = 0;
  await inBatches([...keys], async (batch) => {
    const row = await tx.selectFrom("inbox").select((eb) => eb.fn.countAll<number | string>().as("n")).where("bot_id", "=", botId).where("source_key", "in", batch).executeTakeFirst();
    found += Number(row?.n ?? 0);
  });
  return found === keys.size;
}

/** The highest update id ever accepted, so polling resumes after it on restart. */
export async function lastUpdateId(db: Db, botId: string): Promise<number | undefined> {
  const row = await db.selectFrom("bot_state").select("value").where("bot_id", "=", botId).where("key", "=", offsetKey).executeTakeFirst();
  return row ? Number(row.value) : undefined;
}

/** The most negative (synthetic) update id the inbox holds for the bot, or 0: new synthetic ids start beyond it. */
export async function smallestUpdateId(db: Db, botId: string): Promise<number> {
  const row = await db.selectFrom("inbox").select((eb) => eb.fn.min<number>("update_id").as("min")).where("bot_id", "=", botId).executeTakeFirst();
  return Math.min(0, Number(row?.min ?? 0));
}

/** The oldest unprocessed rows of a bot, in arrival order (both reads below select from it). */
const oldestPending = (db: Db, p: ParamRef<{ bot: string; limit: number }>) =>
  db.selectFrom("inbox")
    .where("bot_id", "=", p("bot"))
    .where("processed", "=", 0)
    // Arrival order: synthetic updates interleave with Telegram's where they happened.
    .orderBy(dialectOfDb(db).inboxArrival.order)
    .limit(p("limit"));
const selectPending = prepare<{ bot: string; limit: number }>()((db, p) => oldestPending(db, p).select(["update_id", "payload"]));
const selectPendingIds = prepare<{ bot: string; limit: number }>()((db, p) => oldestPending(db, p).select("update_id"));

/**
 * The ids of the oldest unprocessed rows, in arrival order, without their text: when the
 * process still holds those updates decoded, reading the text back is not needed.
 */
export async function pendingIds(db: Db, botId: string, limit: number): Promise<number[]> {
  return (await selectPendingIds.run(db, { bot: botId, limit })).rows.map((r) => r.update_id);
}

/** {@link pendingIds} at once where the engine allows (see `Prepared.runNow`), else undefined. */
export function pendingIdsNow(db: Db, botId: string, limit: number): number[] | undefined {
  return selectPendingIds.runNow(db, { bot: botId, limit })?.rows.map((r) => r.update_id);
}

/** The oldest unprocessed updates, in arrival order, parsed (see {@link pendingPayloads} for the stored text). */
export async function pendingUpdates(db: Db, botId: string, limit: number): Promise<InboxRow[]> {
  return (await pendingPayloads(db, botId, limit)).map((r) => ({ updateId: r.updateId, update: JSON.parse(r.payload) as Update }));
}

/** The oldest unprocessed rows as stored, in arrival order: the inbox decodes them before they are routed. */
export async function pendingPayloads(db: Db, botId: string, limit: number): Promise<{ updateId: number; payload: string }[]> {
  const { rows } = await selectPending.run(db, { bot: botId, limit });
  return rows.map((r) => ({ updateId: r.update_id, payload: r.payload }));
}

/** {@link pendingPayloads} at once where the engine allows (see `Prepared.runNow`), else undefined. */
export function pendingPayloadsNow(db: Db, botId: string, limit: number): { updateId: number; payload: string }[] | undefined {
  return selectPending.runNow(db, { bot: botId, limit })?.rows.map((r) => ({ updateId: r.update_id, payload: r.payload }));
}

const mark = prepare<{ bot: string; ids: readonly number[] }>()((db, p, n) =>
  db.updateTable("inbox").set({ processed: 1 }).where("bot_id", "=", p("bot")).where("update_id", "in", Array.from({ length: n }, (_, i) => p("ids", i)))
);

/** Marks updates done; called inside the commit transaction of the step they caused. */
export async function markProcessed(db: Db, botId: string, updateIds: readonly number[]): Promise<void> {
  await inBatches(updateIds, (ids) => mark.run(db, { bot: botId, ids }, ids.length));
}

/** Drops processed rows older than `before` (Telegram itself keeps updates 24 h at most). */
export async function pruneInbox(db: Db, botId: string, before: number): Promise<void> {
  await db.deleteFrom("inbox").where("bot_id", "=", botId).where("processed", "=", 1).where("received_at", "<", before).execute();
}

/** Per bot: updates waiting for their step, and processed ones still kept (for deduplication, 24 h). */
export async function inboxCounts(db: Db): Promise<Map<string, { pending: number; processed: number }>> {
  const rows = await db.selectFrom("inbox").select(["bot_id", "processed", (eb) => eb.fn.countAll<number>().as("n")]).groupBy(["bot_id", "processed"]).execute();
  const counts = new Map<string, { pending: number; processed: number }>();
  for (const r of rows) {
    const c = counts.get(r.bot_id) ?? { pending: 0, processed: 0 };
    if (Number(r.processed) === 0) c.pending += Number(r.n);
    else c.processed += Number(r.n);
    counts.set(r.bot_id, c);
  }
  return counts;
}
