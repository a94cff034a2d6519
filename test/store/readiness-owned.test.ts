/** `/readyz` with several instances: each answers for the bots it owns, not for all of the config. */
import * as Effect from "effect/Effect";
import { describe, expect, it } from "vitest";
import { readiness } from "../../src/admin/health.ts";
import { storeOn } from "./with-store.ts";

describe("readiness with several instances", () => {
  it("reports only the bots this instance owns; all of them while it owns none yet or runs alone", () =>
    storeOn("sqlite")(async ({ db }) => {
      const base = { db, botIds: ["a", "b", "c"], bots: [], running: () => [], readyOutboxAgeMs: 60_000 };
      const ids = async (owned?: readonly string[]) =>
        (await Effect.runPromise(readiness({ ...base, owned: () => owned }))).bots.map((b) => b.id);
      expect(await ids(["b"])).toEqual(["b"]);
      expect(await ids([])).toEqual([]);
      expect(await ids(undefined)).toEqual(["a", "b", "c"]);
      // Owned but not started: unready, as a single instance's bot that is still connecting.
      const r = await Effect.runPromise(readiness({ ...base, owned: () => ["c"] }));
      expect(r).toMatchObject({ ready: false, bots: [{ id: "c", ready: false, problems: ["not started yet (connecting to Telegram)"] }] });
    }));
});
