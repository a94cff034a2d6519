/** One synthetic-id generator per bot: ids drawn in the same millisecond never repeat, and restarts start beyond the stored ones. */
import type { Update } from "@grammyjs/types";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { acceptUpdates, smallestUpdateId } from "../../src/store/inbox.ts";
import { openStore } from "../../src/store/open.ts";
import { syntheticUpdateIds } from "../../src/util/synthetic-id.ts";
import { tempDir } from "../support/world.ts";

describe("synthetic update ids", () => {
  it("never repeat within one generator, even with many drawn in one millisecond", () => {
    const next = syntheticUpdateIds(() => 1_700_000_000_000);
    const ids = Array.from({ length: 5000 }, next);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => id < 0)).toBe(true);
  });

  it("start beyond the most negative id the inbox holds (a run that drew ahead of the clock)", async () => {
    const db = await openStore(`sqlite:${join(tempDir(), "ids.db")}`);
    try {
      expect(await smallestUpdateId(db, "b")).toBe(0);
      const clock = () => 1_000;
      const stored = -(1_000 * 1000 + 7_000); // 7000 ids ahead of the clock
      await acceptUpdates(db, "b", [{ update_id: 5 } as Update, { update_id: stored } as Update], 0);
      await acceptUpdates(db, "other", [{ update_id: stored - 10 } as Update], 0);
      expect(await smallestUpdateId(db, "b")).toBe(stored);
      expect(syntheticUpdateIds(clock, await smallestUpdateId(db, "b"))()).toBeLessThan(stored);
    } finally {
      await db.destroy();
    }
  });
});
