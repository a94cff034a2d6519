/**
 * The broadcasts plugin's progress as metric families (plugins/broadcasts/gauges.ts reads them
 * from its tables at scrape time). A store without those tables (the plugin never loaded)
 * simply has no broadcast families.
 */
import * as Effect from "effect/Effect";
import { BROADCAST_STATUSES, broadcastGauges, type BroadcastGauges, RECIPIENT_STATES } from "../../plugins/broadcasts/gauges.ts";
import type { Db } from "../store/schema.ts";
import type { Family } from "./prometheus.ts";

/** The families of `g` for the configured `botIds`; every status and state listed, 0 when none. */
export function broadcastFamilies(g: BroadcastGauges, botIds: readonly string[]): Family[] {
  const count = (bot: string, status: string) => g.broadcasts.find((b) => b.botId === bot && b.status === status)?.count ?? 0;
  const recipients = (id: number, state: string) => g.recipients.find((r) => r.broadcastId === id && r.state === state)?.count ?? 0;
  return [
    {
      name: "switchboard_broadcasts",
      help: "Broadcasts by status (draft, scheduled, running, paused, cancelled, finished).",
      type: "gauge",
      samples: botIds.flatMap((bot) => BROADCAST_STATUSES.map((status) => ({ labels: { bot, status }, value: count(bot, status) }))),
    },
    {
      name: "switchboard_broadcast_recipients",
      help: "Recipients of each broadcast under way (scheduled, running, paused) by state; finished ones drop out.",
      type: "gauge",
      samples: g.live.filter((b) => botIds.includes(b.botId)).flatMap((b) =>
        RECIPIENT_STATES.map((state) => ({ labels: { bot: b.botId, broadcast: String(b.broadcastId), state }, value: recipients(b.broadcastId, state) }))
      ),
    },
  ];
}

/** Reads and renders them; no families when the tables are not there (or the store does not answer: the store's note says so). */
export const readBroadcastFamilies = (db: Db, botIds: readonly string[]): Effect.Effect<Family[]> =>
  Effect.tryPromise(() => broadcastGauges(db)).pipe(
    Effect.map((g) => broadcastFamilies(g, botIds)),
    Effect.orElseSucceed((): Family[] => []),
  );
