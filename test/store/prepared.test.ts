/**
 * Prepared statements: compiled once per engine and batch size, and run on the store or inside
 * its transactions (which Kysely hands out as separate handles) with the right values.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dialectOfDb, transactNowOf } from "../../src/store/engine.ts";
import { openStore } from "../../src/store/open.ts";
import { prepare } from "../../src/store/prepared.ts";
import type { Db } from "../../src/store/schema.ts";
import { tempDir } from "../support/world.ts";
import { freshStorage, storeOn, testEngines } from "./with-store.ts";

const insert = prepare<{ bot: string; keys: readonly string[]; value: string }>()((db, p, n) =>
  db.insertInto("bot_state").values(Array.from({ length: n }, (_, i) => ({ bot_id: p("bot"), key: p("keys", i), value: p("value") })))
);
const read = prepare<{ bot: string }>()((db, p) => db.selectFrom("bot_state").select(["key", "value"]).where("bot_id", "=", p("bot")).where("value", "!=", "skip").orderBy("key"));

/**
 * A transaction that wrote a row and stays open until `release`, then rolls back (`open` rejects
 * with "abort"): what a statement outside it must not join nor see.
 */
async function openTransactionHeld(db: Db) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let inside!: () => void;
  const begun = new Promise<void>((resolve) => (inside = resolve));
  const open = db.transaction().execute(async (tx) => {
    await insert.run(tx, { bot: "a", keys: ["uncommitted"], value: "v" }, 1);
    inside();
    await held;
    throw new Error("abort");
  });
  await begun;
  return { open, release };
}

describe.each(testEngines)("prepared statements on %s", (engine) => {
  const withStore = storeOn(engine);

  it("run with fresh values on the store and inside transactions, which roll back as usual", () =>
    withStore(async ({ db }) => {
      await insert.run(db, { bot: "a", keys: ["k1"], value: "v1" }, 1);
      await db.transaction().execute((tx) => insert.run(tx, { bot: "a", keys: ["k2", "k3", "k4"], value: "v2" }, 3));
      await insert.run(db, { bot: "b", keys: ["k1", "k2"], value: "skip" }, 2);
      await expect(
        db.transaction().execute(async (tx) => {
          await insert.run(tx, { bot: "a", keys: ["k5"], value: "v3" }, 1);
          throw new Error("abort");
        }),
      ).rejects.toThrow("abort");
      expect((await read.run(db, { bot: "a" })).rows).toEqual([
        { key: "k1", value: "v1" }, { key: "k2", value: "v2" }, { key: "k3", value: "v2" }, { key: "k4", value: "v2" },
      ]);
      // The constant "skip" in the builder stayed a constant.
      expect((await read.run(db, { bot: "b" })).rows).toEqual([]);
      await expect(insert.run(db, { bot: "a", keys: Array.from({ length: 101 }, (_, i) => `x${i}`), value: "v" }, 101)).rejects.toThrow(RangeError);
    }));

  it("never run inside another caller's open transaction: a statement outside it waits, and sees nothing it rolls back", () =>
    withStore(async ({ db }) => {
      const { open, release } = await openTransactionHeld(db);
      // SQLite runs statements at once when it can (runNow); not while someone else's transaction is open.
      expect(read.runNow(db, { bot: "a" })).toBeUndefined();
      const outside = read.run(db, { bot: "a" });
      const written = insert.run(db, { bot: "a", keys: ["outside"], value: "v" }, 1);
      release();
      await expect(open).rejects.toThrow("abort");
      // Nothing of the rolled-back transaction (on PostgreSQL the write below may already show).
      expect((await outside).rows.filter((r) => r.key === "uncommitted")).toEqual([]);
      await written;
      expect((await read.run(db, { bot: "a" })).rows).toEqual([{ key: "outside", value: "v" }]);
      // Outside any transaction, and inside one's own, SQLite answers at once; PostgreSQL never does.
      const now = read.runNow(db, { bot: "a" });
      await db.transaction().execute(async (tx) => {
        const inTx = read.runNow(tx, { bot: "a" });
        expect(inTx === undefined).toBe(engine === "postgres");
      });
      expect(now === undefined).toBe(engine === "postgres");
      if (now) expect(now.rows).toEqual([{ key: "outside", value: "v" }]);
    }));

  it("run as one synchronous transaction where the engine can (SQLite, nothing else open): committed together, or rolled back together", () =>
    withStore(async ({ db }) => {
      const transactNow = transactNowOf(db);
      // PostgreSQL answers asynchronously: no synchronous transactions there, and only the store's own handle has them.
      expect(transactNow === undefined).toBe(engine === "postgres");
      await db.transaction().execute(async (tx) => expect(transactNowOf(tx)).toBeUndefined());
      if (!transactNow) return;
      expect(transactNow(() => {
        insert.runSync(db, { bot: "a", keys: ["k1", "k2"], value: "v" }, 2);
        return read.runSync(db, { bot: "a" }).rows.length;
      })).toBe(2);
      expect(() =>
        transactNow(() => {
          insert.runSync(db, { bot: "a", keys: ["k3"], value: "v" }, 1);
          throw new Error("abort");
        })
      ).toThrow("abort");
      expect((await read.run(db, { bot: "a" })).rows.map((r) => r.key)).toEqual(["k1", "k2"]);
      // While another transaction is open it does not run (nor join it), and says so.
      const { open, release } = await openTransactionHeld(db);
      let called = false;
      expect(transactNow(() => (called = true))).toBeUndefined();
      expect(called).toBe(false);
      expect(() => insert.runSync(db, { bot: "a", keys: ["outside"], value: "v" }, 1)).toThrow(/could not run at once/);
      release();
      await expect(open).rejects.toThrow("abort");
      expect((await read.run(db, { bot: "a" })).rows.map((r) => r.key)).toEqual(["k1", "k2"]);
    }));
});

describe("prepared statements across engines", () => {
  it("serve several stores in one process, each on its own file", async () => {
    const dir = tempDir();
    const [one, two] = await Promise.all([openStore(`sqlite:${join(dir, "one.db")}`), openStore(`sqlite:${join(dir, "two.db")}`)]);
    try {
      await insert.run(one, { bot: "a", keys: ["only-one"], value: "1" }, 1);
      await two.transaction().execute((tx) => insert.run(tx, { bot: "a", keys: ["only-two"], value: "2" }, 1));
      expect((await read.run(one, { bot: "a" })).rows).toEqual([{ key: "only-one", value: "1" }]);
      expect((await read.run(two, { bot: "a" })).rows).toEqual([{ key: "only-two", value: "2" }]);
      await two.transaction().execute(async (tx) => expect(dialectOfDb(tx).name).toBe("sqlite"));
    } finally {
      await Promise.all([one.destroy(), two.destroy()]);
    }
  });

  it("compile once per engine: SQLite and PostgreSQL stores in one process each get their own SQL", async () => {
    const [sqlite, postgres] = await Promise.all([freshStorage("sqlite"), freshStorage("postgres")]);
    const [lite, pg] = await Promise.all([openStore(sqlite.url), openStore(postgres.url)]);
    try {
      // Alternating, so a statement compiled for one engine would be run on the other.
      for (const [i, db] of [lite, pg, lite, pg].entries()) {
        await db.transaction().execute((tx) => insert.run(tx, { bot: "a", keys: [`k${i}`, `k${i}b`], value: String(i) }, 2));
        await insert.run(db, { bot: "a", keys: [`x${i}`], value: "skip" }, 1);
      }
      expect((await read.run(lite, { bot: "a" })).rows.map((r) => r.key)).toEqual(["k0", "k0b", "k2", "k2b"]);
      expect((await read.run(pg, { bot: "a" })).rows.map((r) => r.key)).toEqual(["k1", "k1b", "k3", "k3b"]);
      await pg.transaction().execute(async (tx) => expect(dialectOfDb(tx).name).toBe("postgres"));
    } finally {
      await Promise.all([lite.destroy(), pg.destroy()]);
      await Promise.all([sqlite.remove(), postgres.remove()]);
    }
  });
});
