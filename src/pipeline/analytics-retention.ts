/**
 * Analytics retention (issue 14): once a day (and at start), every bot's analytics detail rows
 * older than the retention period are folded into per-day totals and deleted
 * (store/analytics.ts), so the store does not grow without bound. Driven by Effect's Clock:
 * tests move it with TestClock.
 */
import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import * as Schedule from "effect/Schedule";
import type * as Scope from "effect/Scope";
import { foldOldEvents } from "../store/analytics.ts";
import type { Db } from "../store/open.ts";
import { query } from "../store/store.ts";
import type { Logger } from "../util/log.ts";

const dayMs = 86_400_000;

/** One pass: folds each bot's rows older than `retentionDays`; a failure is logged and retried the next day. */
export const foldAnalytics = (db: Db, botIds: readonly string[], retentionDays: number, log: Logger): Effect.Effect<void> =>
  Effect.gen(function* () {
    const before = (yield* Clock.currentTimeMillis) - retentionDays * dayMs;
    for (const botId of botIds) {
      const folded = yield* query("fold old analytics", () => foldOldEvents(db, botId, before)).pipe(
        Effect.catchAll((e) => Effect.as(Effect.sync(() => log.warn("analytics retention failed", { bot: botId, error: String(e) })), 0)),
      );
      if (folded > 0) log.info("analytics: old detail rows folded into daily totals", { bot: botId, rows: folded, retention_days: retentionDays });
    }
  });

/** Runs {@link foldAnalytics} now and then daily, for the life of the scope. */
export const foldAnalyticsDaily = (db: Db, botIds: readonly string[], retentionDays: number, log: Logger): Effect.Effect<void, never, Scope.Scope> =>
  Effect.asVoid(Effect.forkScoped(Effect.repeat(foldAnalytics(db, botIds, retentionDays, log), Schedule.spaced("1 day"))));
