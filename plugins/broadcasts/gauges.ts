/**
 * Broadcast progress for `/metrics`, read from the plugin's tables when scraped (never on a
 * send): how many broadcasts each bot has in each status, and where the recipients of every
 * broadcast under way (scheduled, running, paused) stand. Finished and cancelled broadcasts
 * drop out of the second family so its series stay few; their outcome is in the report and in
 * the first family's `finished`/`cancelled` counts.
 */
import type { Kysely } from "kysely";
import type { BroadcastStatus, RecipientStatus } from "./store.ts";

/** Every status a broadcast may have, so a series exists (at 0) before it happens. */
export const BROADCAST_STATUSES: readonly BroadcastStatus[] = ["draft", "scheduled", "running", "paused", "cancelled", "finished"];
/** Every state a recipient may be in. */
export const RECIPIENT_STATES: readonly RecipientStatus[] = ["pending", "sending", "delivered", "blocked", "deactivated", "not_found", "failed"];

/** Broadcasts of a bot in one status. */
export interface BroadcastCount {
  readonly botId: string;
  readonly status: string;
  readonly count: number;
}

/** Recipients of one broadcast under way in one state. */
export interface RecipientCount {
  readonly botId: string;
  readonly broadcastId: number;
  readonly state: string;
  readonly count: number;
}

/** What `/metrics` shows of broadcasts. */
export interface BroadcastGauges {
  readonly broadcasts: readonly BroadcastCount[];
  /** Every broadcast under way, with its counts (absent states are 0). */
  readonly live: readonly { readonly botId: string; readonly broadcastId: number }[];
  readonly recipients: readonly RecipientCount[];
}

/** Two grouped queries: broadcasts by status, and the recipients of those under way by state. */
export async function broadcastGauges(db: Kysely<any>): Promise<BroadcastGauges> {
  const statuses = await db.selectFrom("broadcasts_broadcast").select(["bot_id", "status", (e) => e.fn.countAll().as("n")]).groupBy(["bot_id", "status"]).execute();
  const live = await db.selectFrom("broadcasts_broadcast").select(["id", "bot_id"]).where("status", "in", ["scheduled", "running", "paused"]).orderBy("id").execute();
  const recipients = live.length === 0 ? [] : await db.selectFrom("broadcasts_recipient")
    .select(["broadcast_id", "status", (e) => e.fn.countAll().as("n")])
    .where("broadcast_id", "in", live.map((b) => b.id))
    .groupBy(["broadcast_id", "status"]).execute();
  const botOf = new Map(live.map((b) => [Number(b.id), String(b.bot_id)]));
  return {
    broadcasts: statuses.map((r) => ({ botId: String(r.bot_id), status: String(r.status), count: Number(r.n) })),
    live: live.map((b) => ({ botId: String(b.bot_id), broadcastId: Number(b.id) })),
    recipients: recipients.map((r) => ({ botId: botOf.get(Number(r.broadcast_id))!, broadcastId: Number(r.broadcast_id), state: String(r.status), count: Number(r.n) })),
  };
}
