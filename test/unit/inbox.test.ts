/** The inbox on a real SQLite file: dedup, arrival order, and an offset that survives digit growth. */
import type { Update } from "@grammyjs/types";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { acceptUpdates, lastUpdateId, pendingUpdates } from "../../src/store/inbox.ts";
import { openStore } from "../../src/store/open.ts";
import { tempDir } from "../support/world.ts";

const update = (id: number) => ({ update_id: id, message: { message_id: id, date: 0, chat: { id: 1, type: "private", first_name: "a" }, text: `u${id}` } }) as Update;

describe("inbox", () => {
  it("keeps the highest update id numerically and ignores duplicates", async () => {
    const db = await openStore(`sqlite:${join(tempDir(), "inbox.db")}`);
    try {
      await acceptUpdates(db, "b", [update(999_999_998), update(999_999_999)], 0);
      await acceptUpdates(db, "b", [update(1_000_000_000)], 0);
      expect(await lastUpdateId(db, "b")).toBe(1_000_000_000);
      await acceptUpdates(db, "b", [update(999_999_999)], 0); // Telegram re-sends an unconfirmed one
      expect(await lastUpdateId(db, "b")).toBe(1_000_000_000);
      expect((await pendingUpdates(db, "b", 10)).map((r) => r.updateId)).toEqual([999_999_998, 999_999_999, 1_000_000_000]);
    } finally {
      await db.destroy();
    }
  });

  it("processes synthetic (negative-id) updates in arrival order without moving the offset", async () => {
    const db = await openStore(`sqlite:${join(tempDir(), "inbox.db")}`);
    try {
      await acceptUpdates(db, "b", [update(10)], 0);
      await acceptUpdates(db, "b", [{ update_id: -5 } as Update], 0);
      await acceptUpdates(db, "b", [update(11)], 0);
      expect(await lastUpdateId(db, "b")).toBe(11);
      expect((await pendingUpdates(db, "b", 10)).map((r) => r.updateId)).toEqual([10, -5, 11]);
    } finally {
      await db.destroy();
    }
  });
});
