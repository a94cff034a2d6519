/**
 * `/metrics`: the Effect metrics (metrics.ts), then the gauges read now — outbox depth and
 * oldest age, unprocessed inbox rows and lag, dialogs by state, broadcast progress, per bot —
 * and the process's own.
 * A store that does not answer leaves its gauges out (and says so in a comment line) rather
 * than failing the scrape: the counters still tell what happened.
 */
import * as HttpServerResponse from "@effect/platform/HttpServerResponse";
import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import * as Metric from "effect/Metric";
import { storeGauges, type StoreGauges } from "../store/gauges.ts";
import { readBroadcastFamilies } from "./broadcast-metrics.ts";
import { type AdminContext, servedBotIds } from "./context.ts";
import type { ProcessGauges } from "./process-gauges.ts";
import { type Family, familiesOf, PROMETHEUS_CONTENT_TYPE, renderPrometheus } from "./prometheus.ts";
import type { AdminRoute } from "./router.ts";

/** The store's gauges as families, ages relative to `now`. */
function storeFamilies(g: StoreGauges, botIds: readonly string[], now: number): Family[] {
  const age = (at: number | null | undefined) => (at === null || at === undefined ? 0 : Math.max(0, now - at) / 1000);
  // Every configured bot gets a line, 0 when its queue is empty (a missing series breaks alerts).
  const perBot = (rows: StoreGauges["outbox"], pick: (r: StoreGauges["outbox"][number] | undefined) => number) =>
    botIds.map((bot) => ({ labels: { bot }, value: pick(rows.find((r) => r.botId === bot)) }));
  return [
    { name: "switchboard_outbox_depth", help: "Outbox rows waiting for delivery.", type: "gauge", samples: perBot(g.outbox, (r) => r?.depth ?? 0) },
    { name: "switchboard_outbox_oldest_age_seconds", help: "Age of the oldest outbox row (0 when empty).", type: "gauge", samples: perBot(g.outbox, (r) => age(r?.oldestAt)) },
    { name: "switchboard_inbox_pending", help: "Updates saved but not processed yet.", type: "gauge", samples: perBot(g.inbox, (r) => r?.depth ?? 0) },
    { name: "switchboard_inbox_lag_seconds", help: "Age of the oldest unprocessed update (0 when none).", type: "gauge", samples: perBot(g.inbox, (r) => age(r?.oldestAt)) },
    {
      name: "switchboard_dialogs",
      help: "Conversations by state.",
      type: "gauge",
      samples: g.dialogs.filter((d) => botIds.includes(d.botId)).map((d) => ({ labels: { bot: d.botId, state: d.state }, value: d.count })),
    },
  ];
}

/** The route. */
export const metricsRoute = (ctx: AdminContext, processGauges: ProcessGauges): AdminRoute => ({
  method: "GET",
  path: "/metrics",
  handler: () =>
    Effect.gen(function* () {
      const families = familiesOf(yield* Metric.snapshot);
      const now = yield* Clock.currentTimeMillis;
      const gauges = yield* Effect.either(Effect.tryPromise(() => storeGauges(ctx.db)));
      const botIds = servedBotIds(ctx);
      if (gauges._tag === "Right") families.push(...storeFamilies(gauges.right, botIds, now), ...(yield* readBroadcastFamilies(ctx.db, botIds)));
      families.push(...processGauges());
      const note = gauges._tag === "Left" ? `# the store did not answer: its gauges are left out (${String(gauges.left.error).replace(/\n/g, " ")})\n` : "";
      return HttpServerResponse.text(renderPrometheus(families) + note, { contentType: PROMETHEUS_CONTENT_TYPE });
    }),
});
