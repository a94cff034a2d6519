/**
 * The update stream of a parallel system behind the proxy: its own copy of every update it
 * must see, confirmed by its own offset (getUpdates) or by its webhook's 2xx. Durable, so a
 * restart of Switchboard loses nothing on that side either. Each row knows its lane (see
 * proxy-lanes.ts), when it was queued, and how often its webhook refused it and until when it
 * waits, so retries and giving up follow the same policy across restarts.
 */
import type { Update } from "@grammyjs/types";
import { inBatches, prepare } from "./prepared.ts";
import { isWanted, laneOf, updateKind } from "./proxy-lanes.ts";
import { loadAllowedUpdates } from "./proxy-settings.ts";
import type { Db } from "./schema.ts";

const insertMirrored = prepare<{ bot: string; at: number; ids: readonly number[]; lanes: readonly string[]; payloads: readonly string[] }>()((db, p, n) =>
  db.insertInto("proxy_updates")
    .values(Array.from({ length: n }, (_, i) => ({
      bot_id: p("bot"), update_id: p("ids", i), lane: p("lanes", i), payload: p("payloads", i), queued_at: p("at"), attempts: 0, next_at: 0,
    })))
    .onConflict((c) => c.columns(["bot_id", "update_id"]).doNothing())
);

/**
 * Queues updates for the parallel system; runs inside the inbox transaction. Like Telegram, the
 * kinds it did not ask for (`allowed_updates`) are never queued: a change of the list applies
 * to updates that arrive after it.
 */
export async function mirrorUpdates(db: Db, botId: string, updates: readonly Update[], now: number): Promise<void> {
  if (updates.length === 0) return;
  const allowed = await loadAllowedUpdates(db, botId);
  const wanted = updates.filter((u) => isWanted(updateKind(u), allowed));
  await inBatches(wanted, (batch) =>
    insertMirrored.run(db, {
      bot: botId, at: now, ids: batch.map((u) => u.update_id), lanes: batch.map(laneOf), payloads: batch.map((u) => JSON.stringify(u)),
    }, batch.length));
}

/** Updates with id ≥ `offset`, oldest first. */
export async function proxyUpdatesFrom(db: Db, botId: string, offset: number, limit: number): Promise<Update[]> {
  const rows = await db
    .selectFrom("proxy_updates")
    .select("payload")
    .where("bot_id", "=", botId)
    .where("update_id", ">=", offset)
    .orderBy("update_id")
    .limit(limit)
    .execute();
  return rows.map((r) => JSON.parse(r.payload) as Update);
}

/** Confirms (drops) every update below `offset`, like Telegram does for getUpdates. */
export async function confirmProxyUpdates(db: Db, botId: string, offset: number): Promise<void> {
  await db.deleteFrom("proxy_updates").where("bot_id", "=", botId).where("update_id", "<", offset).execute();
}

/** The oldest update of a lane, with its delivery state. */
export interface ProxyLaneHead {
  update: Update;
  /** Posts the webhook refused so far. */
  attempts: number;
  /** Not to be posted before this time (ms). */
  nextAt: number;
  /** When it was queued (ms): retries end a fixed time after it. */
  queuedAt: number;
}

const selectLaneHead = prepare<{ bot: string; lane: string }>()((db, p) =>
  db.selectFrom("proxy_updates")
    .select(["payload", "attempts", "next_at", "queued_at"])
    .where("bot_id", "=", p("bot"))
    .where("lane", "=", p("lane"))
    .orderBy("update_id")
    .limit(1)
);

/** The head of `lane`, if it has anything queued. */
export async function proxyLaneHead(db: Db, botId: string, lane: string): Promise<ProxyLaneHead | undefined> {
  const { rows: [row] } = await selectLaneHead.run(db, { bot: botId, lane });
  return row && { update: JSON.parse(row.payload) as Update, attempts: row.attempts, nextAt: Number(row.next_at), queuedAt: Number(row.queued_at) };
}

/** Every lane with something queued, the one waiting longest first. */
export async function proxyLanes(db: Db, botId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("proxy_updates")
    .select((eb) => ["lane", eb.fn.min("update_id").as("first")])
    .where("bot_id", "=", botId)
    .groupBy("lane")
    .orderBy("first")
    .execute();
  return rows.map((r) => r.lane);
}

const deleteOne = prepare<{ bot: string; id: number }>()((db, p) =>
  db.deleteFrom("proxy_updates").where("bot_id", "=", p("bot")).where("update_id", "=", p("id"))
);

/** Removes one update (taken by the webhook, or given up). */
export async function removeProxyUpdate(db: Db, botId: string, updateId: number): Promise<void> {
  await deleteOne.run(db, { bot: botId, id: updateId });
}

/** Records a refusal: `attempts` so far, and the time before which the update is not posted again. */
export async function deferProxyUpdate(db: Db, botId: string, updateId: number, attempts: number, nextAt: number): Promise<void> {
  await db.updateTable("proxy_updates").set({ attempts, next_at: nextAt }).where("bot_id", "=", botId).where("update_id", "=", updateId).execute();
}

/** A new webhook starts afresh, as Telegram's does: no refusals counted, nothing waiting. */
export async function restartProxyRetries(db: Db, botId: string): Promise<void> {
  await db.updateTable("proxy_updates").set({ attempts: 0, next_at: 0 }).where("bot_id", "=", botId).where((eb) => eb.or([eb("attempts", ">", 0), eb("next_at", ">", 0)])).execute();
}

/** Rows queued before `queued_at` existed count as queued `now`. */
export async function dateUndatedProxyUpdates(db: Db, botId: string, now: number): Promise<void> {
  await db.updateTable("proxy_updates").set({ queued_at: now }).where("bot_id", "=", botId).where("queued_at", "=", 0).execute();
}

/** `drop_pending_updates`: forgets everything queued; returns how many. */
export async function dropProxyUpdates(db: Db, botId: string): Promise<number> {
  const result = await db.deleteFrom("proxy_updates").where("bot_id", "=", botId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** How many updates are queued (getWebhookInfo's `pending_update_count`). */
export async function countProxyUpdates(db: Db, botId: string): Promise<number> {
  const row = await db.selectFrom("proxy_updates").select((eb) => eb.fn.countAll<number>().as("n")).where("bot_id", "=", botId).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Forgets every queued update but the newest `count` (getUpdates with offset -count, as Telegram does). */
export async function keepNewestProxyUpdates(db: Db, botId: string, count: number): Promise<void> {
  const oldestKept = await db
    .selectFrom("proxy_updates")
    .select("update_id")
    .where("bot_id", "=", botId)
    .orderBy("update_id", "desc")
    .limit(1)
    .offset(count - 1)
    .executeTakeFirst();
  if (oldestKept) await confirmProxyUpdates(db, botId, oldestKept.update_id);
}
