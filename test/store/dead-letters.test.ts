/**
 * The dead letters (issue 10) on a real SQLite file: kept with their source, id, reason and raw
 * text in the inbox's transaction, each raw text once per bot, moved out of the inbox in one
 * transaction, listed newest first and counted per bot. Also the bind guard: a boolean handed
 * to SQLite is an ordinary error of that statement, not an abort of the process.
 */
import type { Update } from "@grammyjs/types";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { addDeadLetters, countDeadLetters, listDeadLetters, moveToDeadLetters } from "../../src/store/dead-letters.ts";
import { acceptIntake, acceptUpdates, lastUpdateId, pendingUpdates } from "../../src/store/inbox.ts";
import { withStore } from "./with-store.ts";

const update = (id: number) => ({ update_id: id, message: { message_id: id, date: 0, chat: { id: 1, type: "private" }, text: `u${id}` } }) as Update;
const incoming = (id: number) => ({ update: update(id), payload: JSON.stringify(update(id)) });
const letter = (updateId: number | null, raw: string, source = "polling") => ({ source, updateId, reason: "message.chat.id: Expected number, actual true", raw });

describe("dead letters", () => {
  it("are kept in the inbox's transaction, move the offset past their id, and are kept once per raw text", () =>
    withStore(async ({ db }) => {
      const poison = '{"update_id":12,"message":{"chat":{"id":true}}}';
      const saved = await acceptIntake(db, "b", { updates: [incoming(10), incoming(11)], dead: [letter(12, poison), letter(null, "{}")] }, 5_000);
      expect(saved.fresh).toBe(2);
      expect(saved.dead.map((d) => [d.updateId, d.raw, d.source, d.receivedAt, d.botId])).toEqual([[12, poison, "polling", 5_000, "b"], [null, "{}", "polling", 5_000, "b"]]);
      expect(await lastUpdateId(db, "b")).toBe(12);
      expect((await pendingUpdates(db, "b", 10)).map((r) => r.updateId)).toEqual([10, 11]);
      // Telegram re-delivers the same body: nothing new, so nothing is logged twice.
      const again = await acceptIntake(db, "b", { updates: [incoming(11)], dead: [letter(12, poison, "webhook"), letter(null, "{}")] }, 6_000);
      expect(again).toEqual({ fresh: 0, dead: [] });
      // Another bot's identical body is its own dead letter.
      expect(await addDeadLetters(db, "other", [letter(null, "{}")], 7_000)).toHaveLength(1);
      // A batch of dead letters only still saves them (and moves the offset).
      expect((await acceptIntake(db, "b", { updates: [], dead: [letter(20, '{"update_id":20}')] }, 8_000)).dead).toHaveLength(1);
      expect(await lastUpdateId(db, "b")).toBe(20);

      expect(await countDeadLetters(db)).toEqual(new Map([["b", 3], ["other", 1]]));
      const listed = await listDeadLetters(db, { botId: "b", limit: 2 });
      expect(listed.map((d) => d.updateId)).toEqual([20, null]); // newest first
      expect(listed[0]).toMatchObject({ botId: "b", source: "polling", reason: "message.chat.id: Expected number, actual true", raw: '{"update_id":20}', receivedAt: 8_000 });
      expect((await listDeadLetters(db, { limit: 10 })).map((d) => d.botId)).toEqual(["b", "other", "b", "b"]);
    }));

  it("move poison rows out of the inbox in one transaction", () =>
    withStore(async ({ db }) => {
      await acceptUpdates(db, "b", [update(1), update(2), update(3)], 0);
      const moved = await moveToDeadLetters(db, "b", [{ ...letter(2, "{broken", "inbox"), updateId: 2 }], 1_000);
      expect(moved.map((d) => [d.updateId, d.source])).toEqual([[2, "inbox"]]);
      expect((await pendingUpdates(db, "b", 10)).map((r) => r.updateId)).toEqual([1, 3]);
      expect(await countDeadLetters(db)).toEqual(new Map([["b", 1]]));
    }));

  it("a value SQLite cannot bind is an error of its statement, not an abort of the process", () =>
    withStore(async ({ db }) => {
      // libsql panics on a boolean ("not yet implemented: bool", exit 134): the guard refuses it first.
      await expect(db.insertInto("inbox").values({ bot_id: "b", update_id: true as never, payload: "{}", received_at: 0, processed: 0 }).execute())
        .rejects.toThrow(/parameter 2 .* is boolean; only numbers, strings, bigints, byte arrays and null can be stored/);
      await expect(db.selectFrom("conversations").selectAll().where("chat_id", "=", true as never).execute()).rejects.toThrow(/is boolean/);
      await expect(sql`select ${{ id: 1 } as never} as x`.execute(db)).rejects.toThrow(/is object/);
      // The store goes on.
      expect(await acceptUpdates(db, "b", [update(1)], 0)).toBe(1);
    }));
});
