/**
 * The webhooks queue: one row per (event, URL), written in the step's own commit transaction
 * (the `write` effect) and removed once the receiver accepted it or it was given up. Rows of
 * one URL are sent strictly in id order, one at a time, so a receiver sees a bot's events in
 * the order they happened.
 */
import type { ExpressionBuilder, Kysely, Migration } from "kysely";
import { idColumn } from "../../src/mod.ts";
import { addDeadLetters, type StoredDeadLetter } from "../../src/mod.ts";
import type { Db } from "../../src/mod.ts";

/** The table, named after the plugin. */
const table = "webhooks_queue";

/** The plugin's migrations (tracked in its own migration table by the plugin loader). */
export const migrations: Record<string, Migration> = {
  "0001_queue": {
    async up(db: Kysely<any>) {
      // SQLite: integer primary key autoincrement, as before; PostgreSQL: an identity column.
      await idColumn(db, db.schema.createTable(table), "id")
        .addColumn("bot_id", "text", (c) => c.notNull())
        .addColumn("url", "text", (c) => c.notNull())
        .addColumn("event", "text", (c) => c.notNull())
        .addColumn("event_id", "text", (c) => c.notNull())
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("next_at", "bigint", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("last_error", "text")
        .execute();
      await db.schema.createIndex("webhooks_queue_url").on(table).columns(["bot_id", "url", "id"]).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable(table).execute();
    },
  },
  // A request that is done but whose report (a command's answer for the topic) is not yet:
  // the report waits here, so retrying it never repeats the request.
  "0002_report": {
    async up(db: Kysely<any>) {
      await db.schema.alterTable(table).addColumn("report", "text").execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable(table).dropColumn("report").execute();
    },
  },
};

/** An event to queue for each of `urls`; `body` is the final JSON, frozen when it happened. */
export interface QueuedEvent {
  urls: string[];
  event: string;
  eventId: string;
  body: string;
}

/** A queued request. */
export interface QueueRow {
  id: number;
  url: string;
  event: string;
  eventId: string;
  body: string;
  attempts: number;
  nextAt: number;
  createdAt: number;
  /** Set once the request is done (sent or given up) and only its report is left to make. */
  report?: string;
}

/** Queues events in order; `db` is the step's transaction. */
export async function enqueue(db: Kysely<any>, botId: string, events: readonly QueuedEvent[], now: number): Promise<void> {
  const rows = events.flatMap((e) =>
    e.urls.map((url) => ({ bot_id: botId, url, event: e.event, event_id: e.eventId, body: e.body, attempts: 0, next_at: now, created_at: now }))
  );
  // Small chunks: SQLite caps the number of bound parameters per statement.
  for (let i = 0; i < rows.length; i += 50) await db.insertInto(table).values(rows.slice(i, i + 50)).execute();
}

/** The oldest row of every URL of a bot: the only ones that may be sent now. */
export async function heads(db: Kysely<any>, botId: string): Promise<QueueRow[]> {
  const rows = await db
    .selectFrom(table)
    .selectAll()
    .where("bot_id", "=", botId)
    .where("id", "in", (eb: ExpressionBuilder<any, any>) => eb.selectFrom(table).select(eb.fn.min("id").as("id")).where("bot_id", "=", botId).groupBy("url"))
    .execute();
  return rows.map((r) => ({
    id: Number(r.id), url: r.url, event: r.event, eventId: r.event_id, body: r.body,
    attempts: Number(r.attempts), nextAt: Number(r.next_at), createdAt: Number(r.created_at),
    ...(r.report != null ? { report: String(r.report) } : {}),
  }));
}

/** Removes a row that was delivered or given up. */
export async function remove(db: Kysely<any>, id: number): Promise<void> {
  await db.deleteFrom(table).where("id", "=", id).execute();
}

/** Marks a row's request done at `now` (kept in `next_at`), keeping the report still to make (see `QueueRow.report`). */
export async function settle(db: Kysely<any>, id: number, attempts: number, now: number, report: string): Promise<void> {
  await db.updateTable(table).set({ attempts, next_at: now, report }).where("id", "=", id).execute();
}

/** Records a failed attempt and when to try again. */
export async function defer(db: Kysely<any>, id: number, attempts: number, nextAt: number, error: string): Promise<void> {
  await db.updateTable(table).set({ attempts, next_at: nextAt, last_error: error.slice(0, 500) }).where("id", "=", id).execute();
}

/**
 * Gives up a row whose report could never be made: kept as a dead letter (`switchboard inbox
 * --dead` lists and counts them) in the transaction that removes the row. Returns the dead
 * letter when it is new.
 */
export async function setAsideReport(db: Kysely<any>, botId: string, row: QueueRow, reason: string, now: number): Promise<StoredDeadLetter | undefined> {
  return await db.transaction().execute(async (tx) => {
    const raw = JSON.stringify({ webhook: row.url, event: row.event, event_id: row.eventId, report: row.report });
    const [added] = await addDeadLetters(tx as Db, botId, [{ source: "webhooks", updateId: null, reason, raw }], now);
    await tx.deleteFrom(table).where("id", "=", row.id).execute();
    return added;
  });
}
