/** The Topics API's idempotency keys: the first answer per bot and key, kept 24 h, on both engines. */
import { describe, expect, it } from "vitest";
import { idempotencyKeepMs, rememberAnswer, rememberedAnswer } from "../../src/store/idempotency.ts";
import { acceptUpdates, pendingUpdates } from "../../src/store/inbox.ts";
import { storeOn, testEngines } from "./with-store.ts";

describe.each(testEngines)("idempotency keys (%s)", (engine) => {
  it("keeps the first answer per bot and key, forgets it after 24 h, and frees the key then", () =>
    storeOn(engine)(async ({ db }) => {
      const first = { requestDigest: "d1", status: 202, response: '{"status":"queued"}' };
      await rememberAnswer(db, "acme", "k", first, 1_000);
      expect(await rememberedAnswer(db, "acme", "k", 2_000)).toEqual(first);
      // The same key again keeps the first answer; another bot has its own keys.
      await rememberAnswer(db, "acme", "k", { ...first, requestDigest: "d2" }, 3_000);
      expect((await rememberedAnswer(db, "acme", "k", 3_000))?.requestDigest).toBe("d1");
      expect(await rememberedAnswer(db, "other", "k", 3_000)).toBeUndefined();
      // Expired: not answered any more, and the key can be used again.
      const later = 1_000 + idempotencyKeepMs;
      expect(await rememberedAnswer(db, "acme", "k", later)).toBeUndefined();
      await rememberAnswer(db, "acme", "k", { ...first, requestDigest: "d3" }, later);
      expect((await rememberedAnswer(db, "acme", "k", later + 1))?.requestDigest).toBe("d3");
    }));

  it("commits a key with the updates of its call or not at all", () =>
    storeOn(engine)(async ({ db }) => {
      const update = (id: number) => ({ update_id: id, message: { message_id: 1, date: 1, chat: { id: 7, type: "private" as const, first_name: "Ann" }, from: { id: 7, is_bot: false, first_name: "Ann" }, text: `m${id}` } });
      const remember = (digest: string) => async (tx: typeof db) => {
        if (!(await rememberAnswer(tx, "acme", "k", { requestDigest: digest, status: 202, response: "{}" }, 1_000))) throw new Error("key taken");
      };
      expect(await acceptUpdates(db, "acme", [update(-1)], 1_000, { alsoWrite: remember("d1") })).toBe(1);
      // The same key again: the second call's update is rolled back with its key.
      await expect(acceptUpdates(db, "acme", [update(-2)], 1_000, { alsoWrite: remember("d2") })).rejects.toThrow("key taken");
      expect((await pendingUpdates(db, "acme", 10)).map((r) => r.updateId)).toEqual([-1]);
      // A write that fails takes the updates with it.
      await expect(acceptUpdates(db, "acme", [update(-3)], 1_000, { alsoWrite: () => Promise.reject(new Error("disk full")) })).rejects.toThrow("disk full");
      expect((await pendingUpdates(db, "acme", 10)).map((r) => r.updateId)).toEqual([-1]);
      expect((await rememberedAnswer(db, "acme", "k", 2_000))?.requestDigest).toBe("d1");
    }));
});
