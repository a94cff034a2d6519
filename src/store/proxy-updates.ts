/**
 * The update stream of a parallel system behind the proxy: its own copy of every update it
 * must see, confirmed by its own offset (getUpdates) or by its webhook's 2xx. Durable, so a
 * restart of Switchboard loses nothing on that side either.
 */
import type { Update } from "@grammyjs/types";
import { inBatches, prepare } from "./prepared.ts";
import type { Db } from "./schema.ts";

const insertMirrored = prepare<{ bot: string; ids: readonly number[]; payloads: readonly string[] }>()((db, p, n) =>
  db.insertInto("proxy_updates")
    .values(Array.from({ length: n }, (_, i) => ({ bot_id: p("bot"), update_id: p("ids", i), payload: p("payloads", i) })))
    .onConflict((c) => c.columns(["bot_id", "update_id"]).doNothing())
);

/** Queues updates for the parallel system; runs inside the inbox transaction. */
export async function mirrorUpdates(db: Db, botId: string, updates: readonly Update[]): Promise<void> {
  await inBatches(updates, (batch) =>
    insertMirrored.run(db, { bot: botId, ids: batch.map((u) => u.update_id), payloads: batch.map((u) => JSON.stringify(u)) }, batch.length));
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
