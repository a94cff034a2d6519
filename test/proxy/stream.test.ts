/**
 * The parallel system's getUpdates on a real SQLite file, with time on the TestClock: a long
 * poll waits until its deadline or until notified, a newer poll ends the waiting one with 409,
 * the offset confirms, and Telegram's default `allowed_updates` applies (when updates are queued).
 */
import type { Update } from "@grammyjs/types";
import { join } from "node:path";
import { Effect, Fiber, TestClock, TestContext } from "effect";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open.ts";
import { saveAllowedUpdates } from "../../src/store/proxy-settings.ts";
import { mirrorUpdates, proxyUpdatesFrom } from "../../src/store/proxy-updates.ts";
import { makeProxyStream, type StreamAnswer } from "../../src/telegram/proxy/stream.ts";
import { tempDir } from "../support/world.ts";

const message = (id: number) => ({ update_id: id, message: { message_id: id, date: 0, chat: { id: 7, type: "private", first_name: "A" }, text: `m${id}` } }) as Update;
const reaction = (id: number) => ({ update_id: id, message_reaction: { chat: { id: 7, type: "private" }, message_id: 1, date: 0, old_reaction: [], new_reaction: [] } }) as unknown as Update;
const ids = (answer: StreamAnswer) => (answer.ok ? answer.result.map((u) => u.update_id) : answer.error_code);

/** Lets forked fibers (and the store's I/O) run, without moving the TestClock. */
const io = Effect.promise(() => new Promise((r) => setTimeout(r, 30)));

describe("proxy update stream", () => {
  it("long-polls on the Clock, wakes on notify, lets the newer poll win, confirms by offset", async () => {
    const db = await openStore(`sqlite:${join(tempDir(), "stream.db")}`);
    try {
      await Effect.runPromise(Effect.gen(function* () {
        const stream = yield* makeProxyStream(db, "b");

        // Nothing queued: the poll answers empty exactly at its deadline.
        const empty = yield* Effect.fork(stream.getUpdates(undefined, 100, 5));
        yield* io;
        yield* TestClock.adjust("4 seconds");
        yield* io;
        expect(empty.unsafePoll()).toBe(null);
        yield* TestClock.adjust("1 second");
        expect(ids(yield* Fiber.join(empty))).toEqual([]);

        // A waiting poll is woken by new updates.
        const waiting = yield* Effect.fork(stream.getUpdates(undefined, 100, 30));
        yield* io;
        yield* Effect.promise(() => mirrorUpdates(db, "b", [message(1), message(2)], 0));
        yield* stream.notify;
        expect(ids(yield* Fiber.join(waiting))).toEqual([1, 2]);

        // A second poller: the newer request wins, the older one is told 409.
        const older = yield* Effect.fork(stream.getUpdates(3, 100, 30));
        yield* io;
        const newer = yield* Effect.fork(stream.getUpdates(3, 100, 30));
        expect(ids(yield* Fiber.join(older))).toBe(409);
        expect(yield* Effect.promise(() => proxyUpdatesFrom(db, "b", 0, 10))).toEqual([]); // offset 3 confirmed 1 and 2
        yield* Effect.promise(() => mirrorUpdates(db, "b", [reaction(3), message(4)], 0));
        yield* stream.notify;
        // Reactions are not among Telegram's default updates: never queued unless asked for.
        expect(ids(yield* Fiber.join(newer))).toEqual([4]);
        yield* Effect.promise(() => saveAllowedUpdates(db, "b", ["message", "message_reaction"]));
        yield* Effect.promise(() => mirrorUpdates(db, "b", [reaction(5)], 0));
        expect(ids(yield* stream.getUpdates(5, 100, 0))).toEqual([5]);

        // A webhook set meanwhile ends the waiting poll with its own 409.
        const cut = yield* Effect.fork(stream.getUpdates(6, 100, 30));
        yield* io;
        yield* stream.terminate({ ok: false, error_code: 409, description: "Conflict: terminated by setWebhook request" });
        expect(yield* Fiber.join(cut)).toEqual({ ok: false, error_code: 409, description: "Conflict: terminated by setWebhook request" });
      }).pipe(Effect.provide(TestContext.TestContext)));
    } finally {
      await db.destroy();
    }
  });
  it("a short poll leaves a waiting one alone; offsets as Telegram's server reads them", async () => {
    const db = await openStore(`sqlite:${join(tempDir(), "offsets.db")}`);
    try {
      await Effect.runPromise(Effect.gen(function* () {
        const stream = yield* makeProxyStream(db, "b");
        const waiting = yield* Effect.fork(stream.getUpdates(undefined, 100, 30));
        yield* io;
        // A short poll (timeout 0) answers at once and does not end the long one with 409.
        expect(ids(yield* stream.getUpdates(undefined, 100, 0))).toEqual([]);
        yield* io;
        expect(waiting.unsafePoll()).toBe(null);
        yield* Effect.promise(() => mirrorUpdates(db, "b", [message(10), message(11), message(12), message(13)], 0));
        yield* stream.notify;
        expect(ids(yield* Fiber.join(waiting))).toEqual([10, 11, 12, 13]);

        // A negative offset keeps the newest -offset and forgets the rest.
        expect(ids(yield* stream.getUpdates(-3, 2, 0))).toEqual([11, 12]);
        expect(yield* Effect.promise(() => proxyUpdatesFrom(db, "b", 0, 10))).toHaveLength(3);
        // Telegram handed out ids up to 20 (the rest went to the operators' group, say).
        yield* Effect.promise(() => db.insertInto("bot_state").values({ bot_id: "b", key: "last_update_id", value: "20" }).execute());
        // More than 10 past the next id: ignored, nothing confirmed, answered from the oldest.
        expect(ids(yield* stream.getUpdates(32, 100, 0))).toEqual([11, 12, 13]);
        // Within reach: everything below it is confirmed.
        expect(ids(yield* stream.getUpdates(31, 100, 0))).toEqual([]);
        expect(yield* Effect.promise(() => proxyUpdatesFrom(db, "b", 0, 10))).toEqual([]);
      }).pipe(Effect.provide(TestContext.TestContext)));
    } finally {
      await db.destroy();
    }
  });
});
