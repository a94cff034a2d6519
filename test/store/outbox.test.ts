/** The outbox on every storage engine (a fresh store per test): per-conversation order, heads, removal and deferral. */
import { describe, expect, it } from "vitest";
import { chatsWithPendingIntents, deferIntent, dropPendingOfType, enqueueIntents, laneHead, removeIntents } from "../../src/store/outbox.ts";
import { storeOn, testEngines } from "./with-store.ts";

interface TestIntent {
  type: string;
  n: number;
}
const intents = (from: number, count: number): TestIntent[] => Array.from({ length: count }, (_, i) => ({ type: "copyToTopic", n: from + i }));

describe.each(testEngines)("outbox on %s", (engine) => {
  const withStore = storeOn(engine);
  it("keeps each conversation's intents in order, apart from other conversations and bots", () =>
    withStore(async ({ db }) => {
      await enqueueIntents(db, "b", 1, intents(0, 3), 10);
      await enqueueIntents(db, "b", 2, intents(100, 2), 11);
      await enqueueIntents(db, "b", 1, intents(3, 2), 12);
      await enqueueIntents(db, "other", 1, intents(900, 1), 13);
      await enqueueIntents(db, "b", 3, [], 14);
      const head = await laneHead<TestIntent>(db, "b", 1, 10);
      expect(head.map((r) => r.intent.n)).toEqual([0, 1, 2, 3, 4]);
      expect(head[0]).toMatchObject({ chatId: 1, attempts: 0, notBefore: 0, createdAt: 10 });
      expect((await laneHead<TestIntent>(db, "b", 1, 2)).map((r) => r.intent.n)).toEqual([0, 1]);
      expect((await chatsWithPendingIntents(db, "b")).sort()).toEqual([1, 2]);
    }));

  it("queues more intents than one statement takes, still in order", () =>
    withStore(async ({ db }) => {
      await db.transaction().execute((tx) => enqueueIntents(tx, "b", 1, intents(0, 230), 0));
      const head = await laneHead<TestIntent>(db, "b", 1, 1000);
      expect(head.map((r) => r.intent.n)).toEqual(intents(0, 230).map((i) => i.n));
      expect(head.map((r) => r.id)).toEqual([...head.map((r) => r.id)].sort((a, b) => a - b));
    }));

  it("answers the rows it queued with their ids, exactly as a read of the lane answers them (also past one statement, and after the newest rows were removed)", () =>
    withStore(async ({ db }) => {
      const first = await db.transaction().execute((tx) => enqueueIntents(tx, "b", 1, intents(0, 230), 7));
      await removeIntents(db, first.slice(200).map((r) => r.id));
      await enqueueIntents(db, "b", 2, intents(500, 1), 8);
      const again = await enqueueIntents(db, "b", 1, intents(230, 3), 9);
      expect([...first.slice(0, 200), ...again]).toEqual(await laneHead<TestIntent>(db, "b", 1, 1000));
      expect(again[0].id).toBeGreaterThan(first[229].id);
      expect((await dropPendingOfType(db, "b", 1, "copyToTopic")).sort((a, b) => a - b)).toEqual([...first.slice(0, 200), ...again].map((r) => r.id));
    }));

  it("removes delivered rows (any number) and defers a failed one", () =>
    withStore(async ({ db }) => {
      await enqueueIntents(db, "b", 1, intents(0, 150), 0);
      const ids = (await laneHead(db, "b", 1, 1000)).map((r) => r.id);
      await removeIntents(db, ids.slice(0, 140));
      await removeIntents(db, []);
      const [head] = await laneHead<TestIntent>(db, "b", 1, 1);
      expect(head!.intent.n).toBe(140);
      await deferIntent(db, head!.id, 5_000, 3);
      expect((await laneHead(db, "b", 1, 1))[0]).toMatchObject({ id: head!.id, attempts: 3, notBefore: 5_000 });
      await removeIntents(db, ids.slice(140));
      expect(await chatsWithPendingIntents(db, "b")).toEqual([]);
    }));
});
