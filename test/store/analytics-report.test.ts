/** The analytics page's report: every day of the period, the heat map, the backlog now — on both engines. */
import { describe, expect, it } from "vitest";
import { type AnalyticsEvent, foldOldEvents, recordEvents } from "../../src/store/analytics.ts";
import { analyticsReport } from "../../src/store/analytics-report.ts";
import type { Db } from "../../src/store/schema.ts";
import { storeOn, testEngines } from "./with-store.ts";

const day = 86_400_000;
const hour = 3_600_000;
const monday = Date.UTC(2026, 0, 12); // a Monday, UTC midnight

/** A conversation row in `state`; `answered` picks the 🟨 sub-state of an open topic. */
async function conversation(db: Db, bot: string, chat: number, topic: number, answered: boolean, at: number, state = "topic-open") {
  const snapshot = { value: state === "topic-open" ? { "topic-open": answered ? "support_answered" : "user_answered" } : state, context: { user: { id: chat, firstName: `U${chat}` } } };
  await db.insertInto("conversations").values({ bot_id: bot, chat_id: chat, topic_id: topic, state, snapshot: JSON.stringify(snapshot), user: JSON.stringify(snapshot.context.user), created_at: at, updated_at: at }).execute();
}

describe.each(testEngines)("analytics report (%s)", (engine) => {
  it("has every day of the period, the weekday × hour heat map, and the backlog with its waits", () =>
    storeOn(engine)(async ({ db }) => {
      const events: AnalyticsEvent[] = [
        // Monday 09:xx: two messages in from chat 1, answered at 10:00, then chat 1 writes again at 11:00.
        { chatId: 1, kind: "dialog_created", actor: "user", at: monday + 9 * hour },
        { chatId: 1, kind: "message_in", actor: "", at: monday + 9 * hour },
        { chatId: 1, kind: "message_in", actor: "", at: monday + 9 * hour + 60_000 },
        { chatId: 1, kind: "message_out", actor: "7", at: monday + 10 * hour },
        { chatId: 1, kind: "first_response", actor: "7", at: monday + 10 * hour, value: hour },
        { chatId: 1, kind: "message_in", actor: "", at: monday + 11 * hour },
        // Wednesday 23:xx: chat 2 writes, never answered; a 429 and a failure.
        { chatId: 2, kind: "dialog_created", actor: "user", at: monday + 2 * day + 23 * hour },
        { chatId: 2, kind: "message_in", actor: "", at: monday + 2 * day + 23 * hour + 5 },
        { chatId: 2, kind: "rate_limited", actor: "copyToTopic", at: monday + 2 * day + 23 * hour + 6 },
        { chatId: 2, kind: "delivery_retry", actor: "copyToTopic", at: monday + 2 * day + 23 * hour + 6 },
        { chatId: 2, kind: "delivery_failed", actor: "sendMessage", at: monday + 2 * day + 23 * hour + 7 },
        // Chat 3 was answered and closed.
        { chatId: 3, kind: "dialog_created", actor: "user", at: monday + day },
        { chatId: 3, kind: "message_in", actor: "", at: monday + day },
        { chatId: 3, kind: "message_out", actor: "8", at: monday + day + 1_000 },
        { chatId: 3, kind: "dialog_closed", actor: "8", at: monday + day + 2_000 },
        { chatId: 3, kind: "dialog_reopened", actor: "user", at: monday + day + 3_000 },
        { chatId: 3, kind: "message_intercepted", actor: "moderation", at: monday + day + 4_000 },
      ];
      await recordEvents(db, "acme", events);
      await recordEvents(db, "other", [{ chatId: 1, kind: "message_in", actor: "", at: monday + 9 * hour }]);
      await conversation(db, "acme", 1, 101, false, monday + 11 * hour);
      await conversation(db, "acme", 2, 102, false, monday + 2 * day + 23 * hour);
      await conversation(db, "acme", 3, 103, true, monday + day + 3_000);
      await conversation(db, "acme", 4, 104, false, monday, "closed");

      const r = await analyticsReport(db, ["acme"], { from: monday, to: monday + 4 * day });
      expect(r.days.map((d) => d.day)).toEqual(["2026-01-12", "2026-01-13", "2026-01-14", "2026-01-15"]);
      expect(r.days[0]).toEqual({ day: "2026-01-12", in: 3, out: 1, intercepted: 0, created: 1, reopened: 0, closed: 0, retries: 0, rateLimited: 0, failed: 0 });
      expect(r.days[1]).toMatchObject({ in: 1, out: 1, intercepted: 1, created: 1, reopened: 1, closed: 1 });
      expect(r.days[2]).toMatchObject({ in: 1, created: 1, retries: 1, rateLimited: 1, failed: 1 });
      expect(r.days[3]).toMatchObject({ in: 0, out: 0, created: 0 });

      const cells = r.heatmap.flatMap((hours, weekday) => hours.flatMap((n, h) => (n > 0 ? [[weekday, h, n]] : [])));
      expect(cells).toEqual([[0, 9, 2], [0, 11, 1], [1, 0, 1], [2, 23, 1]]);

      // Chat 1 waits since its message after the answer; chat 2 since its first message; chat 3 is answered.
      expect(r.backlog.map((b) => [b.chatId, b.topicId, b.waitingSince])).toEqual([[1, 101, monday + 11 * hour], [2, 102, monday + 2 * day + 23 * hour + 5]]);
      expect(r.backlog[0].user).toEqual({ id: 1, firstName: "U1" });
      expect(r.summary.counts.message_in).toBe(5);

      // All bots together.
      const both = await analyticsReport(db, ["acme", "other"], { from: monday, to: monday + day });
      expect(both.days).toHaveLength(1);
      expect(both.days[0].in).toBe(4);
      expect(both.heatmap[0][9]).toBe(3);
    }));

  it("counts folded days per day too, and leaves them out of the heat map", () =>
    storeOn(engine)(async ({ db }) => {
      await recordEvents(db, "acme", [
        { chatId: 1, kind: "message_in", actor: "", at: monday + 5 * hour },
        { chatId: 1, kind: "dialog_created", actor: "user", at: monday + 5 * hour },
        { chatId: 1, kind: "message_in", actor: "", at: monday + day + 5 * hour },
      ]);
      await foldOldEvents(db, "acme", monday + day);
      const r = await analyticsReport(db, ["acme"], { from: monday, to: monday + 2 * day });
      expect(r.days.map((d) => [d.day, d.in, d.created])).toEqual([["2026-01-12", 1, 1], ["2026-01-13", 1, 0]]);
      expect(r.heatmap[0][5]).toBe(0);
      expect(r.heatmap[1][5]).toBe(1);
    }));
});
