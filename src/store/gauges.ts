/**
 * What the store holds right now, per bot, for `/metrics` and `/readyz`: outbox depth and its
 * oldest row, unprocessed inbox rows and the oldest, conversations by state. Read when scraped,
 * never on the hot path; each is one grouped query over every bot.
 */
import { sql } from "kysely";
import type { Db } from "./schema.ts";

/** A queue's size and the `created_at`/`received_at` of its oldest row, per bot. */
export interface QueueGauge {
  readonly botId: string;
  readonly depth: number;
  readonly oldestAt: number | null;
}

/** Conversations of a bot in one state. */
export interface StateGauge {
  readonly botId: string;
  readonly state: string;
  readonly count: number;
}

/** Everything at once. */
export interface StoreGauges {
  readonly outbox: readonly QueueGauge[];
  readonly inbox: readonly QueueGauge[];
  readonly dialogs: readonly StateGauge[];
}

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** The outbox per bot. */
export async function outboxGauges(db: Db): Promise<QueueGauge[]> {
  const rows = await db.selectFrom("outbox").select(["bot_id", (e) => e.fn.countAll().as("depth"), (e) => e.fn.min("created_at").as("oldest")]).groupBy("bot_id").execute();
  return rows.map((r) => ({ botId: r.bot_id, depth: num(r.depth), oldestAt: numOrNull(r.oldest) }));
}

/** Unprocessed inbox rows per bot. */
export async function inboxGauges(db: Db): Promise<QueueGauge[]> {
  const rows = await db.selectFrom("inbox").where("processed", "=", 0)
    .select(["bot_id", (e) => e.fn.countAll().as("depth"), (e) => e.fn.min("received_at").as("oldest")]).groupBy("bot_id").execute();
  return rows.map((r) => ({ botId: r.bot_id, depth: num(r.depth), oldestAt: numOrNull(r.oldest) }));
}

/** Conversations per bot and state. */
export async function dialogGauges(db: Db): Promise<StateGauge[]> {
  const rows = await db.selectFrom("conversations").select(["bot_id", "state", (e) => e.fn.countAll().as("n")]).groupBy(["bot_id", "state"]).execute();
  return rows.map((r) => ({ botId: r.bot_id, state: r.state, count: num(r.n) }));
}

/** All of the above. */
export async function storeGauges(db: Db): Promise<StoreGauges> {
  return { outbox: await outboxGauges(db), inbox: await inboxGauges(db), dialogs: await dialogGauges(db) };
}

/** A round trip to the store (for `/readyz`). */
export async function pingStore(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
