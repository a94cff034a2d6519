/** The inbox on every storage engine (a fresh store per test): batches, source keys, mirroring, marking and pruning. */
import type { Update } from "@grammyjs/types";
import { CompiledQuery, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { dialectOfDb } from "../../src/store/engine.ts";
import { acceptUpdates, lastUpdateId, markProcessed, pendingUpdates, pruneInbox } from "../../src/store/inbox.ts";
import { proxyUpdatesFrom } from "../../src/store/proxy-updates.ts";
import { storeOn, testEngines } from "./with-store.ts";

const update = (id: number, text = `u${id}`) => ({ update_id: id, message: { message_id: id, date: 0, chat: { id: 1, type: "private", first_name: "a" }, text } }) as Update;
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe.each(testEngines)("inbox on %s", (engine) => {
  const withStore = storeOn(engine);
  it("accepts a batch longer than one statement takes, counting only new updates", () =>
    withStore(async ({ db }) => {
      expect(await acceptUpdates(db, "b", range(1, 250).map((id) => update(id)), 0)).toBe(250);
      expect(await acceptUpdates(db, "b", range(240, 20).map((id) => update(id)), 0)).toBe(9);
      expect(await lastUpdateId(db, "b")).toBe(259);
      expect((await pendingUpdates(db, "b", 1000)).map((r) => r.updateId)).toEqual(range(1, 259));
      // Bots do not see each other's updates or offsets.
      expect(await pendingUpdates(db, "other", 10)).toEqual([]);
      expect(await lastUpdateId(db, "other")).toBeUndefined();
    }));

  it("keeps the payload as accepted and the limit of pending rows", () =>
    withStore(async ({ db }) => {
      await acceptUpdates(db, "b", [update(7, "héllo ✓"), update(8)], 0);
      const [first] = await pendingUpdates(db, "b", 1);
      expect(first).toEqual({ updateId: 7, update: update(7, "héllo ✓") });
      expect(await pendingUpdates(db, "b", 1)).toHaveLength(1);
    }));

  it("ignores a second update with the same source key under another id", () =>
    withStore(async ({ db }) => {
      const sourceKey = (u: Update) => (u.message ? `msg:${u.message.text}` : undefined);
      expect(await acceptUpdates(db, "b", [update(-1, "same"), update(-2, "other")], 0, { sourceKey })).toBe(2);
      expect(await acceptUpdates(db, "b", [update(-3, "same")], 0, { sourceKey })).toBe(0);
      // Updates without a key never collide.
      expect(await acceptUpdates(db, "b", [update(5), update(6)], 0, { sourceKey: () => undefined })).toBe(2);
      expect((await pendingUpdates(db, "b", 10)).map((r) => r.updateId)).toEqual([-1, -2, 5, 6]);
    }));

  it("mirrors chosen updates for the proxy in the same transaction", () =>
    withStore(async ({ db }) => {
      await acceptUpdates(db, "b", [update(1), update(2), update(3)], 0, { mirror: (u) => u.update_id !== 2 });
      await acceptUpdates(db, "b", [update(3)], 0, { mirror: () => true }); // re-sent: mirrored once
      expect((await proxyUpdatesFrom(db, "b", 0, 10)).map((u) => u.update_id)).toEqual([1, 3]);
    }));

  it("marks processed in batches of any length, and prunes only old processed rows", () =>
    withStore(async ({ db }) => {
      await acceptUpdates(db, "b", range(1, 150).map((id) => update(id)), 1_000);
      await acceptUpdates(db, "b", [update(151)], 5_000);
      await db.transaction().execute((tx) => markProcessed(tx, "b", range(1, 130)));
      await markProcessed(db, "b", []);
      expect((await pendingUpdates(db, "b", 1000)).map((r) => r.updateId)).toEqual(range(131, 21));
      await markProcessed(db, "b", [151]);
      await pruneInbox(db, "b", 2_000);
      const left = await db.selectFrom("inbox").select(["update_id", "processed"]).orderBy("update_id").execute();
      expect(left.filter((r) => r.processed === 1).map((r) => r.update_id)).toEqual([151]);
      expect(left).toHaveLength(21);
    }));
});

describe.each(testEngines)("the pending read on %s", (engine) => {
  const withStore = storeOn(engine);
  it("comes out of the index in arrival order, with no sort of the pending rows (migration 0012 on SQLite)", () =>
    withStore(async ({ db }) => {
      await acceptUpdates(db, "b", range(1, 50).map((id) => update(id)), 0);
      // The same statement as the inbox's pending read (store/inbox.ts, selectPending).
      const query = db.selectFrom("inbox").select(["update_id", "payload"]).where("bot_id", "=", "b").where("processed", "=", 0)
        .orderBy(dialectOfDb(db).inboxArrival.order).limit(10).compile();
      const plan = await db.transaction().execute(async (tx) => {
        // PostgreSQL would scan a table this small whole; with scans off it shows what the index gives.
        if (engine === "postgres") await sql`set local enable_seqscan = off`.execute(tx);
        const explain = engine === "postgres" ? "explain " : "explain query plan ";
        const { rows } = await tx.executeQuery(CompiledQuery.raw(explain + query.sql, [...query.parameters]));
        return rows.map((r) => Object.values(r as object).join(" ")).join("\n");
      });
      expect(plan).toMatch(/inbox_pending/);
      expect(plan).not.toMatch(/TEMP B-TREE|Sort/);
      expect((await pendingUpdates(db, "b", 10)).map((r) => r.updateId)).toEqual(range(1, 10));
    }));
});
