/** Bot leases and instance heartbeats (several instances on one store) on every storage engine. */
import { describe, expect, it } from "vitest";
import { acquireLease, acquireLeases, allLeases, ensureLeaseRows, forgetInstance, freeLeases, heartbeat, liveInstances, releaseLease, releaseLeases, renewLeases } from "../../src/store/leases.ts";
import { storeOn, testEngines } from "./with-store.ts";

describe.each(testEngines)("leases on %s", (engine) => {
  const withStore = storeOn(engine);

  it("one owner at a time; an expired lease passes on with a new token; renewing keeps it", () =>
    withStore(async ({ db }) => {
      await ensureLeaseRows(db, ["a", "b"]);
      await ensureLeaseRows(db, ["a"]); // again: nothing changes
      expect(await freeLeases(db, ["a", "b"], 0)).toEqual(["a", "b"]);
      expect(await acquireLease(db, "a", "one", 1_000, 5_000)).toBe(1);
      expect(await acquireLease(db, "a", "two", 1_000, 5_000)).toBeUndefined();
      expect(await freeLeases(db, ["a", "b"], 1_000)).toEqual(["b"]);
      // Renewed at 4 s: still held at 8 s, though 5 s passed since it was taken.
      expect(await renewLeases(db, "one", 4_000, 5_000)).toEqual([{ botId: "a", token: 1 }]);
      expect(await acquireLease(db, "a", "two", 8_000, 5_000)).toBeUndefined();
      // Not renewed for the time to live: another instance takes it, with the next token.
      expect(await acquireLease(db, "a", "two", 9_000, 5_000)).toBe(2);
      expect(await renewLeases(db, "one", 9_500, 5_000)).toEqual([]);
      expect(await renewLeases(db, "two", 9_500, 5_000)).toEqual([{ botId: "a", token: 2 }]);
    }));

  it("a released lease is free at once; a release with an old token changes nothing", () =>
    withStore(async ({ db }) => {
      await ensureLeaseRows(db, ["a"]);
      const first = (await acquireLease(db, "a", "one", 0, 5_000))!;
      await releaseLease(db, { botId: "a", token: first }, "one", 100);
      const second = (await acquireLease(db, "a", "two", 200, 5_000))!;
      expect(second).toBe(first + 1);
      await releaseLease(db, { botId: "a", token: first }, "one", 300);
      expect((await allLeases(db))[0]).toMatchObject({ botId: "a", owner: "two", token: second, expiresAt: 5_200 });
    }));

  it("many leases move in one statement: only free ones are taken, each by one instance, and given back only with their tokens", () =>
    withStore(async ({ db }) => {
      const ids = Array.from({ length: 400 }, (_, i) => `bot${i}`);
      await ensureLeaseRows(db, ids);
      expect(await acquireLease(db, "bot0", "one", 0, 5_000)).toBe(1);
      // Two instances racing for every lease: each lease goes to exactly one of them.
      const [a, b] = await Promise.all([acquireLeases(db, ids, "two", 100, 5_000), acquireLeases(db, [...ids].reverse(), "three", 100, 5_000)]);
      const taken = [...a, ...b].map((l) => l.botId).sort();
      expect(taken).toEqual(ids.slice(1).sort());
      expect(new Set(taken).size).toBe(399);
      expect([...a, ...b].every((l) => l.token === 1)).toBe(true);
      expect((await allLeases(db)).find((l) => l.botId === "bot0")?.owner).toBe("one");
      // Released with a stale token: nothing changes; with the right ones, they are free at once.
      const mine = a.length > 0 ? a : b;
      const owner = a.length > 0 ? "two" : "three";
      await releaseLeases(db, mine.map((l) => ({ ...l, token: l.token + 1 })), owner, 200);
      expect(await freeLeases(db, ids, 200)).toEqual([]);
      await releaseLeases(db, mine, owner, 300);
      expect((await freeLeases(db, ids, 300)).sort()).toEqual(mine.map((l) => l.botId).sort());
      // Expired ones pass on too, with the next token.
      const later = await acquireLeases(db, ids, "four", 10_000, 5_000);
      expect(later).toHaveLength(400);
      expect(later.find((l) => l.botId === "bot0")?.token).toBe(2);
    }));

  it("instances are live while their heartbeat is fresh; a stopped one is forgotten", () =>
    withStore(async ({ db }) => {
      await heartbeat(db, { instanceId: "one", host: "h pid 1" }, 1_000);
      await heartbeat(db, { instanceId: "two", host: "h pid 2" }, 3_000);
      await heartbeat(db, { instanceId: "one", host: "h pid 1" }, 4_000);
      expect((await liveInstances(db, 2_000)).map((i) => i.instanceId)).toEqual(["one", "two"]);
      expect(await liveInstances(db, 3_500)).toEqual([{ instanceId: "one", host: "h pid 1", startedAt: 1_000, heartbeatAt: 4_000 }]);
      await forgetInstance(db, "one");
      expect((await liveInstances(db, 0)).map((i) => i.instanceId)).toEqual(["two"]);
    }));
});
