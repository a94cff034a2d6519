/** The inbox: accepted updates, deduplicated by (bot, update_id), processed in order. */
import type { Update } from "@grammyjs/types";
import { sql } from "kysely";
import type { Db } from "./open.ts";
import { mirrorUpdates } from "./proxy-updates.ts";

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
}

/**
 * Saves a batch in one transaction; duplicates (Telegram re-sending an unconfirmed update) are
 * ignored. Returns how many were new. Sources acknowledge to Telegram only after this resolves.
 */
export async function acceptUpdates(db: Db, botId: string, updates: readonly Update[], now: number, o: AcceptOptions = {}): Promise<number> {
  if (updates.length === 0) return 0;
  return db.transaction().execute(async (tx) => {
    if (o.mirror) await mirrorUpdates(tx, botId, updates.filter(o.mirror));
    const rows = updates.map((u) => ({ bot_id: botId, update_id: u.update_id, payload: JSON.stringify(u), received_at: now, processed: 0, source_key: o.sourceKey?.(u) ?? null }));
    // Without a conflict target, both the id and the source key deduplicate.
    const result = await tx.insertInto("inbox").values(rows).onConflict((c) => c.doNothing()).executeTakeFirst();
    // Synthetic updates (intercepted messages) have negative ids and never move the offset.
    const max = Math.max(...updates.map((u) => u.update_id));
    // Compared as numbers: the column is text, and "999999999" > "1000000000" as text.
    const known = await lastUpdateId(tx, botId);
    if (max > 0 && (known === undefined || max > known)) {
      await tx
        .insertInto("bot_state")
        .values({ bot_id: botId, key: "last_update_id", value: String(max) })
        .onConflict((c) => c.columns(["bot_id", "key"]).doUpdateSet({ value: String(max) }))
        .execute();
    }
    return Number(result.numInsertedOrUpdatedRows ?? 0);
  });
}

/** The highest update id ever accepted, so polling resumes after it on restart. */
export async function lastUpdateId(db: Db, botId: string): Promise<number | undefined> {
  const row = await db.selectFrom("bot_state").select("value").where("bot_id", "=", botId).where("key", "=", "last_update_id").executeTakeFirst();
  return row ? Number(row.value) : undefined;
}

/** The oldest unprocessed updates, in update order. */
export async function pendingUpdates(db: Db, botId: string, limit: number): Promise<InboxRow[]> {
  const rows = await db
    .selectFrom("inbox")
    .select(["update_id", "payload"])
    .where("bot_id", "=", botId)
    .where("processed", "=", 0)
    // Arrival order: synthetic updates interleave with Telegram's where they happened.
    .orderBy(sql`rowid`)
    .limit(limit)
    .execute();
  return rows.map((r) => ({ updateId: r.update_id, update: JSON.parse(r.payload) as Update }));
}

/** Marks updates done; called inside the commit transaction of the step they caused. */
export async function markProcessed(db: Db, botId: string, updateIds: readonly number[]): Promise<void> {
  if (updateIds.length === 0) return;
  await db.updateTable("inbox").set({ processed: 1 }).where("bot_id", "=", botId).where("update_id", "in", updateIds).execute();
}

/** Drops processed rows older than `before` (Telegram itself keeps updates 24 h at most). */
export async function pruneInbox(db: Db, botId: string, before: number): Promise<void> {
  await db.deleteFrom("inbox").where("bot_id", "=", botId).where("processed", "=", 1).where("received_at", "<", before).execute();
}
