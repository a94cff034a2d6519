/**
 * Broadcasts in the plugin's own tables:
 *
 * - `broadcasts_broadcast`: one row per broadcast — a draft until `/send go ID`, then scheduled
 *   or running, paused, cancelled or finished;
 * - `broadcasts_recipient`: one row per recipient, written with the confirmation in one
 *   transaction. The sender marks a row `sending` before its call and its outcome after, so a
 *   restart knows exactly which send was in flight (in doubt);
 * - `broadcasts_blocked`: users found to have blocked the bot (later broadcasts skip them until
 *   they unblock or write again).
 */
import type { Kysely, Migration } from "kysely";
import { idColumn } from "../../src/mod.ts";

const broadcasts = "broadcasts_broadcast";
const recipients = "broadcasts_recipient";
const blocked = "broadcasts_blocked";

/** The plugin's migrations (tracked in its own migration table by the plugin loader). */
export const migrations: Record<string, Migration> = {
  "0001_broadcasts": {
    up: async (db: Kysely<any>) => {
      await idColumn(db, db.schema.createTable(broadcasts), "id")
        .addColumn("bot_id", "text", (c) => c.notNull())
        .addColumn("template", "text", (c) => c.notNull())
        // The recipients as asked (JSON of a RecipientSpec), re-resolved on confirmation.
        .addColumn("spec", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("created_by", "bigint")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("start_at", "bigint", (c) => c.notNull())
        .addColumn("started_at", "bigint")
        .addColumn("finished_at", "bigint")
        // The progress message in General, edited as the broadcast goes.
        .addColumn("progress_message_id", "bigint")
        .addColumn("rate_limited", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex("broadcasts_broadcast_status").on(broadcasts).columns(["bot_id", "status"]).execute();
      await db.schema.createTable(recipients)
        .addColumn("broadcast_id", "bigint", (c) => c.notNull())
        .addColumn("seq", "integer", (c) => c.notNull())
        .addColumn("chat_id", "bigint", (c) => c.notNull())
        // pending, sending, delivered, blocked, deactivated, not_found, failed, cancelled (the
        // rest of a cancelled broadcast, once its report is out)
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        // 1 when a send was in flight at a crash and was sent again: it may have arrived twice.
        .addColumn("in_doubt", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("message_id", "bigint")
        .addColumn("reason", "text")
        .addColumn("at", "bigint")
        .addPrimaryKeyConstraint("broadcasts_recipient_pk", ["broadcast_id", "seq"])
        .execute();
      await db.schema.createIndex("broadcasts_recipient_status").on(recipients).columns(["broadcast_id", "status", "seq"]).execute();
      await db.schema.createTable(blocked)
        .addColumn("bot_id", "text", (c) => c.notNull())
        .addColumn("chat_id", "bigint", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("broadcasts_blocked_pk", ["bot_id", "chat_id"])
        .execute();
    },
    down: async (db: Kysely<any>) => {
      await db.schema.dropTable(blocked).execute();
      await db.schema.dropTable(recipients).execute();
      await db.schema.dropTable(broadcasts).execute();
    },
  },
};

/** Where a broadcast is. */
export type BroadcastStatus = "draft" | "scheduled" | "running" | "paused" | "cancelled" | "finished";

/** A recipient's outcome so far. */
export type RecipientStatus = "pending" | "sending" | "delivered" | "blocked" | "deactivated" | "not_found" | "failed" | "cancelled";

/** A broadcast row. */
export interface Broadcast {
  readonly id: number;
  readonly template: string;
  readonly spec: string;
  readonly status: BroadcastStatus;
  readonly createdBy: number | null;
  readonly createdAt: number;
  readonly startAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly progressMessageId: number | null;
  readonly rateLimited: number;
}

const broadcastOf = (r: any): Broadcast => ({
  id: Number(r.id), template: r.template, spec: r.spec, status: r.status, createdBy: r.created_by === null ? null : Number(r.created_by),
  createdAt: Number(r.created_at), startAt: Number(r.start_at), startedAt: r.started_at === null ? null : Number(r.started_at),
  finishedAt: r.finished_at === null ? null : Number(r.finished_at), progressMessageId: r.progress_message_id === null ? null : Number(r.progress_message_id),
  rateLimited: Number(r.rate_limited),
});

/** A recipient row. */
export interface Recipient {
  readonly broadcastId: number;
  readonly seq: number;
  readonly chatId: number;
  readonly status: RecipientStatus;
  readonly attempts: number;
  readonly inDoubt: boolean;
  readonly messageId: number | null;
  readonly reason: string | null;
  readonly at: number | null;
}

const recipientOf = (r: any): Recipient => ({
  broadcastId: Number(r.broadcast_id), seq: Number(r.seq), chatId: Number(r.chat_id), status: r.status, attempts: Number(r.attempts),
  inDoubt: Number(r.in_doubt) === 1, messageId: r.message_id === null ? null : Number(r.message_id), reason: r.reason ?? null, at: r.at === null ? null : Number(r.at),
});

/** Writes a draft; its id. */
export async function createDraft(db: Kysely<any>, botId: string, d: { template: string; spec: string; createdBy: number | null; createdAt: number; startAt: number }): Promise<number> {
  const row = await db.insertInto(broadcasts)
    .values({ bot_id: botId, template: d.template, spec: d.spec, status: "draft", created_by: d.createdBy, created_at: d.createdAt, start_at: d.startAt })
    .returning("id")
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** The broadcast `id` of this bot, if any. */
export async function getBroadcast(db: Kysely<any>, botId: string, id: number): Promise<Broadcast | undefined> {
  const row = await db.selectFrom(broadcasts).selectAll().where("bot_id", "=", botId).where("id", "=", id).executeTakeFirst();
  return row && broadcastOf(row);
}

/**
 * Confirms a draft: its recipient rows and its new status in one transaction, so a broadcast
 * exists with all its recipients or not at all. False when it is no longer a draft (confirmed
 * twice, cancelled).
 */
export async function confirm(db: Kysely<any>, botId: string, id: number, chatIds: readonly number[], status: "scheduled" | "running"): Promise<boolean> {
  return await db.transaction().execute(async (tx) => {
    const changed = await tx.updateTable(broadcasts).set({ status }).where("bot_id", "=", botId).where("id", "=", id).where("status", "=", "draft").executeTakeFirst();
    if (Number(changed.numUpdatedRows) === 0) return false;
    const rows = chatIds.map((chatId, seq) => ({ broadcast_id: id, seq, chat_id: chatId, status: "pending" }));
    // Small chunks: SQLite caps the number of bound parameters per statement.
    for (let i = 0; i < rows.length; i += 200) await tx.insertInto(recipients).values(rows.slice(i, i + 200)).execute();
    return true;
  });
}

/** Sets a broadcast's status, only from one of `from`; true when it changed. */
export async function setStatus(db: Kysely<any>, botId: string, id: number, from: readonly BroadcastStatus[], to: BroadcastStatus, extra: Record<string, unknown> = {}): Promise<boolean> {
  const result = await db.updateTable(broadcasts).set({ status: to, ...extra }).where("bot_id", "=", botId).where("id", "=", id).where("status", "in", [...from]).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Changes columns of a broadcast. */
export async function updateBroadcast(db: Kysely<any>, id: number, set: Record<string, unknown>): Promise<void> {
  await db.updateTable(broadcasts).set(set).where("id", "=", id).execute();
}

/** Broadcasts that are not drafts and not over, oldest first (what `/send status` shows, what the sender works on). */
export async function liveBroadcasts(db: Kysely<any>, botId: string): Promise<Broadcast[]> {
  const rows = await db.selectFrom(broadcasts).selectAll().where("bot_id", "=", botId).where("status", "in", ["scheduled", "running", "paused"]).orderBy("id").execute();
  return rows.map(broadcastOf);
}

/** The newest finished or cancelled broadcasts. */
export async function recentBroadcasts(db: Kysely<any>, botId: string, limit: number): Promise<Broadcast[]> {
  const rows = await db.selectFrom(broadcasts).selectAll().where("bot_id", "=", botId).where("status", "in", ["finished", "cancelled"]).orderBy("id", "desc").limit(limit).execute();
  return rows.map(broadcastOf);
}

/**
 * After a restart: rows left `sending` were in flight when the process stopped — they go back
 * to `pending`, flagged in doubt (they are sent again: never lost, at most one may arrive twice).
 * Returns how many.
 */
export async function requeueInDoubt(db: Kysely<any>, botId: string): Promise<number> {
  const ids = db.selectFrom(broadcasts).select("id").where("bot_id", "=", botId);
  // Looked for before anything is written: at nearly every start there is none, and with several
  // instances every write is a fenced transaction (four round trips), at every bot's start. Nothing
  // else marks this bot's rows `sending` meanwhile: only its sender does, and it has not begun.
  const any = await db.selectFrom(recipients).select("seq").where("status", "=", "sending").where("broadcast_id", "in", ids).limit(1).executeTakeFirst();
  if (any === undefined) return 0;
  const result = await db.updateTable(recipients).set({ status: "pending", in_doubt: 1 }).where("status", "=", "sending").where("broadcast_id", "in", ids).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * The next recipient to send to, in order. A row still `sending` here is one whose outcome could
 * not be recorded (the store failed after the call): it is in doubt and is sent again.
 */
export async function nextPending(db: Kysely<any>, broadcastId: number): Promise<Recipient | undefined> {
  const row = await db.selectFrom(recipients).selectAll().where("broadcast_id", "=", broadcastId).where("status", "in", ["pending", "sending"]).orderBy("seq").limit(1).executeTakeFirst();
  return row && recipientOf(row);
}

/**
 * The next `limit` recipients to send to, in order (as `nextPending`): the sender reads them a
 * batch at a time rather than with a query per send.
 */
export async function pendingBatch(db: Kysely<any>, broadcastId: number, limit: number): Promise<Recipient[]> {
  const rows = await db.selectFrom(recipients).selectAll().where("broadcast_id", "=", broadcastId).where("status", "in", ["pending", "sending"]).orderBy("seq").limit(limit).execute();
  return rows.map(recipientOf);
}

/** What `markRecipient` changes. */
export interface RecipientMark {
  readonly status: RecipientStatus;
  readonly attempts?: number;
  readonly inDoubt?: boolean;
  readonly messageId?: number | null;
  readonly reason?: string | null;
  readonly at?: number | null;
}

/**
 * Several marks in one transaction, in order: the sender records one send's outcome together
 * with the next one's `sending`, one write per send, and never two rows `sending` at once.
 */
export async function markRecipients(db: Kysely<any>, marks: readonly { readonly r: Pick<Recipient, "broadcastId" | "seq">; readonly set: RecipientMark }[]): Promise<void> {
  if (marks.length === 1) return await markRecipient(db, marks[0].r, marks[0].set);
  await db.transaction().execute(async (tx) => {
    for (const m of marks) await markRecipient(tx, m.r, m.set);
  });
}

/** Marks a recipient: before the call (`sending`), or its outcome after. */
export async function markRecipient(db: Kysely<any>, r: Pick<Recipient, "broadcastId" | "seq">, set: RecipientMark): Promise<void> {
  await db.updateTable(recipients)
    .set({
      status: set.status,
      ...(set.inDoubt ? { in_doubt: 1 } : {}),
      ...(set.attempts !== undefined ? { attempts: set.attempts } : {}),
      ...(set.messageId !== undefined ? { message_id: set.messageId } : {}),
      ...(set.reason !== undefined ? { reason: set.reason } : {}),
      ...(set.at !== undefined ? { at: set.at } : {}),
    })
    .where("broadcast_id", "=", r.broadcastId)
    .where("seq", "=", r.seq)
    .execute();
}

/** Counts by recipient status, plus how many were in doubt. */
export interface Counts {
  readonly total: number;
  readonly byStatus: Readonly<Partial<Record<RecipientStatus, number>>>;
  readonly inDoubt: number;
}

/** The counts of a broadcast. */
export async function countsOf(db: Kysely<any>, broadcastId: number): Promise<Counts> {
  const rows = await db.selectFrom(recipients).select(["status", (eb) => eb.fn.countAll().as("n")]).where("broadcast_id", "=", broadcastId).groupBy("status").execute();
  const doubt = await db.selectFrom(recipients).select((eb) => eb.fn.countAll().as("n")).where("broadcast_id", "=", broadcastId).where("in_doubt", "=", 1).executeTakeFirst();
  const byStatus: Partial<Record<RecipientStatus, number>> = {};
  let total = 0;
  for (const r of rows) {
    byStatus[r.status as RecipientStatus] = Number(r.n);
    total += Number(r.n);
  }
  return { total, byStatus, inDoubt: Number(doubt?.n ?? 0) };
}

/** Every recipient of a broadcast, in order (for the report). */
export async function recipientsOf(db: Kysely<any>, broadcastId: number): Promise<Recipient[]> {
  const rows = await db.selectFrom(recipients).selectAll().where("broadcast_id", "=", broadcastId).orderBy("seq").execute();
  return rows.map(recipientOf);
}

/** Records that a user blocked the bot. */
export async function markBlocked(db: Kysely<any>, botId: string, chatId: number, at: number): Promise<void> {
  await db.insertInto(blocked).values({ bot_id: botId, chat_id: chatId, at }).onConflict((c) => c.columns(["bot_id", "chat_id"]).doUpdateSet({ at })).execute();
}

/** Forgets a block (the user unblocked the bot or wrote again). */
export async function clearBlocked(db: Kysely<any>, botId: string, chatId: number): Promise<void> {
  await db.deleteFrom(blocked).where("bot_id", "=", botId).where("chat_id", "=", chatId).execute();
}

/** Every user known to have blocked the bot. */
export async function blockedChats(db: Kysely<any>, botId: string): Promise<Set<number>> {
  const rows = await db.selectFrom(blocked).select("chat_id").where("bot_id", "=", botId).execute();
  return new Set(rows.map((r) => Number(r.chat_id)));
}

/**
 * Cancelled broadcasts that had started and whose report is not out yet: their unsent rows are
 * still `pending` (or `sending`). Oldest first.
 */
export async function cancelledUnreported(db: Kysely<any>, botId: string): Promise<Broadcast[]> {
  const rows = await db.selectFrom(broadcasts).selectAll()
    .where("bot_id", "=", botId).where("status", "=", "cancelled").where("started_at", "is not", null)
    .where((eb) => eb.exists(eb.selectFrom(recipients).select("seq").whereRef(`${recipients}.broadcast_id`, "=", `${broadcasts}.id`).where(`${recipients}.status`, "in", ["pending", "sending"])))
    .orderBy("id").execute();
  return rows.map(broadcastOf);
}

/** After a cancelled broadcast's report: its unsent rows become `cancelled` (the report is out). */
export async function markRestCancelled(db: Kysely<any>, broadcastId: number): Promise<void> {
  await db.updateTable(recipients).set({ status: "cancelled" }).where("broadcast_id", "=", broadcastId).where("status", "in", ["pending", "sending"]).execute();
}
