/** Analytics rows: recorded, summarized over a period, and folded into days after retention, on both engines. */
import { describe, expect, it } from "vitest";
import { type AnalyticsEvent, foldOldEvents, recordEvents, summarize } from "../../src/store/analytics.ts";
import { storeOn, testEngines } from "./with-store.ts";

const day = 86_400_000;
const t0 = Date.UTC(2026, 0, 10); // a UTC midnight

describe.each(testEngines)("analytics store (%s)", (engine) => {
  it("summarizes a period: counts, per-day messages, response-time percentiles, operator load", () =>
    storeOn(engine)(async ({ db }) => {
      const events: AnalyticsEvent[] = [
        { chatId: 1, kind: "dialog_created", actor: "user", at: t0 + 1_000 },
        { chatId: 1, kind: "message_in", actor: "", at: t0 + 1_000 },
        { chatId: 1, kind: "message_out", actor: "7", at: t0 + 61_000 },
        { chatId: 1, kind: "first_response", actor: "7", at: t0 + 61_000, value: 60_000 },
        { chatId: 2, kind: "dialog_created", actor: "user", at: t0 + day },
        { chatId: 2, kind: "message_in", actor: "", at: t0 + day },
        { chatId: 2, kind: "message_in", actor: "", at: t0 + day + 5 },
        { chatId: 2, kind: "message_out", actor: "8", at: t0 + day + 120_000 },
        { chatId: 2, kind: "first_response", actor: "8", at: t0 + day + 120_000, value: 120_000 },
        { chatId: 2, kind: "dialog_closed", actor: "8", at: t0 + day + 200_000 },
        { chatId: 2, kind: "resolution", actor: "8", at: t0 + day + 200_000, value: 200_000 },
        { chatId: 1, kind: "dialog_closed", actor: "autoclose", at: t0 + day + 300_000 },
        { chatId: 3, kind: "rate_limited", actor: "copyToTopic", at: t0 + day },
      ];
      await recordEvents(db, "acme", events);
      await recordEvents(db, "other", [{ chatId: 9, kind: "message_in", actor: "", at: t0 }]);
      const s = await summarize(db, ["acme"], { from: t0, to: t0 + 2 * day });
      expect(s.counts).toMatchObject({ dialog_created: 2, message_in: 3, message_out: 2, dialog_closed: 2, rate_limited: 1, first_response: 2, resolution: 1 });
      expect(s.firstResponse).toEqual({ count: 2, p50Ms: 60_000, p90Ms: 120_000 });
      expect(s.resolution).toEqual({ count: 1, medianMs: 200_000 });
      expect(s.perDay).toEqual([
        { day: "2026-01-10", in: 1, out: 1, intercepted: 0 },
        { day: "2026-01-11", in: 2, out: 1, intercepted: 0 },
      ]);
      expect(s.operators).toEqual([
        { actor: "7", messages: 1, answered: 1, closed: 0, medianFirstResponseMs: 60_000 },
        { actor: "8", messages: 1, answered: 1, closed: 1, medianFirstResponseMs: 120_000 },
      ]);
      // The period bounds apply; all bots together.
      expect((await summarize(db, ["acme"], { from: t0 + day, to: t0 + 2 * day })).counts.message_in).toBe(2);
      expect((await summarize(db, ["acme", "other"], { from: t0, to: t0 + 2 * day })).counts.message_in).toBe(4);
    }));

  it("folds whole days older than the cutoff into daily totals, keeping the counts", () =>
    storeOn(engine)(async ({ db }) => {
      const events: AnalyticsEvent[] = [
        { chatId: 1, kind: "message_in", actor: "", at: t0 + 10 },
        { chatId: 2, kind: "message_in", actor: "", at: t0 + 20 },
        { chatId: 1, kind: "message_out", actor: "7", at: t0 + 30 },
        { chatId: 1, kind: "resolution", actor: "7", at: t0 + 40, value: 500 },
        { chatId: 1, kind: "message_in", actor: "", at: t0 + day + 10 },
      ];
      await recordEvents(db, "acme", events);
      const period = { from: t0, to: t0 + 2 * day };
      const before = await summarize(db, ["acme"], period);
      // A cutoff in the middle of the second day folds only the first.
      expect(await foldOldEvents(db, "acme", t0 + day + 5_000)).toBe(4);
      expect(await db.selectFrom("analytics_events").select("kind").execute()).toHaveLength(1);
      const daily = await db.selectFrom("analytics_daily").selectAll().orderBy("kind").execute();
      expect(daily.map((r) => [r.day, r.kind, r.actor, Number(r.count), Number(r.sum)])).toEqual([
        ["2026-01-10", "message_in", "", 2, 0],
        ["2026-01-10", "message_out", "7", 1, 0],
        ["2026-01-10", "resolution", "7", 1, 500],
      ]);
      const after = await summarize(db, ["acme"], period);
      expect(after.counts).toEqual(before.counts);
      expect(after.perDay).toEqual(before.perDay);
      expect(after.operators.map((o) => [o.actor, o.messages])).toEqual([["7", 1]]);
      // Folding again adds to the day's totals rather than replacing them.
      await recordEvents(db, "acme", [{ chatId: 3, kind: "message_in", actor: "", at: t0 + 50 }]);
      await foldOldEvents(db, "acme", t0 + day);
      expect((await summarize(db, ["acme"], period)).counts.message_in).toBe(4);
    }));

  it("two passes folding at once (two instances) count each row once", () =>
    storeOn(engine)(async ({ db }) => {
      const rows: AnalyticsEvent[] = Array.from({ length: 300 }, (_, i) => ({ chatId: i, kind: "message_in", actor: "", at: t0 + (i % 3) * day + i }));
      await recordEvents(db, "acme", rows);
      const folded = await Promise.all([foldOldEvents(db, "acme", t0 + 3 * day), foldOldEvents(db, "acme", t0 + 3 * day), foldOldEvents(db, "acme", t0 + 3 * day)]);
      expect(folded.reduce((a, b) => a + b, 0)).toBe(300);
      const daily = await db.selectFrom("analytics_daily").select(["day", "count"]).orderBy("day").execute();
      expect(daily.map((r) => [r.day, Number(r.count)])).toEqual([["2026-01-10", 100], ["2026-01-11", 100], ["2026-01-12", 100]]);
    }));
});
