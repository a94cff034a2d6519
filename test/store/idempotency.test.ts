/** The Topics API's idempotency keys: the first answer per bot and key, kept 24 h, on both engines. */
import { describe, expect, it } from "vitest";
import { idempotencyKeepMs, rememberAnswer, rememberedAnswer } from "../../src/store/idempotency.ts";
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
});
