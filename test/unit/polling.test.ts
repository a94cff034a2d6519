/**
 * Long polling against a scripted Telegram (the edge of the world), on the TestClock: backoff
 * and 429 waits pass without real time; the stream is pull-based, so the next getUpdates runs
 * only after the batch was accepted, and a failed accept asks again from the same offset.
 */
import type { Update } from "@grammyjs/types";
import { Deferred, Effect, Fiber, TestClock, TestContext } from "effect";
import { describe, expect, it } from "vitest";
import { Conflict, NetworkError, RateLimited, type TelegramError } from "../../src/telegram/errors.ts";
import { nextOffset, runPolling } from "../../src/telegram/polling.ts";
import { captureLog, gaps, scriptedTelegram, settle } from "../support/scripted-telegram.ts";

const getUpdates = (script: Array<TelegramError | Update[]>) =>
  scriptedTelegram({ getUpdates: script.map((r) => (Array.isArray(r) ? { result: r } : r)) });
const update = (id: number) => ({ update_id: id }) as Update;
const onTestClock = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.provide(effect, TestContext.TestContext));

describe("polling", () => {
  it("backs off with jitter through the Clock, waits retry_after on 429, reports 409 clearly", () =>
    onTestClock(Effect.gen(function* () {
      const telegram = getUpdates([
        new NetworkError({ method: "getUpdates", reason: "refused" }),
        new NetworkError({ method: "getUpdates", reason: "refused" }),
        new RateLimited({ method: "getUpdates", retryAfter: 7, description: "Too Many Requests: retry after 7" }),
        new Conflict({ method: "getUpdates", description: "Conflict: terminated by other getUpdates request" }),
        [update(10)],
      ]);
      const { log, lines } = captureLog();
      const accepted: number[][] = [];
      const connected = yield* Deferred.make<void>();
      const poller = yield* Effect.fork(runPolling({
        client: telegram.client, log, lastUpdateId: 9,
        accept: (updates) => Effect.sync(() => accepted.push(updates.map((u) => (u as Update).update_id))),
        onConnected: Deferred.succeed(connected, undefined),
      }));
      // Two minutes of test time, a second at a time; no real waiting.
      for (let s = 0; s < 120 && telegram.of("getUpdates").length < 6; s++) {
        yield* settle;
        yield* TestClock.adjust("1 second");
      }
      yield* settle;
      expect(yield* Deferred.isDone(connected)).toBe(true);
      expect(accepted).toEqual([[10]]);
      const waits = gaps(telegram.of("getUpdates"));
      // 0.5 s and 1 s, each times 0.5–1.5; then exactly retry_after; then 4 s × 0.5–1.5.
      expect(waits[0]).toBeGreaterThanOrEqual(250);
      expect(waits[0]).toBeLessThanOrEqual(750);
      expect(waits[1]).toBeGreaterThanOrEqual(500);
      expect(waits[1]).toBeLessThanOrEqual(1500);
      expect(waits[2]).toBe(7000);
      expect(waits[3]).toBeGreaterThanOrEqual(2000);
      expect(waits[3]).toBeLessThanOrEqual(6000);
      expect(telegram.of("getUpdates").map((c) => c.params.offset)).toEqual([10, 10, 10, 10, 10, 11]);
      // Until Telegram answered, calls do not wait, so "connected" shows at once.
      expect(telegram.of("getUpdates").map((c) => c.params.timeout)).toEqual([0, 0, 0, 0, 0, 25]);
      expect(lines.filter((l) => l.startsWith("getUpdates failed; retrying"))).toHaveLength(3); // 2 network, 1 429
      expect(lines.some((l) => l.startsWith("409 Conflict: another process is polling this bot, or a webhook is set") && l.includes('"in_ms"'))).toBe(true);
      expect(lines.find((l) => l.includes("RateLimited"))).toContain('"in_ms":7000');
      yield* Fiber.interrupt(poller);
    })));

  it("asks for the next batch only after the last one was accepted; a failed accept asks again from the same offset", () =>
    onTestClock(Effect.gen(function* () {
      const telegram = getUpdates([[update(1), update(2)], [update(3)], [update(3)], [update(4)]]);
      const { log, lines } = captureLog();
      const gate = yield* Deferred.make<void>();
      let acceptCalls = 0;
      const poller = yield* Effect.fork(runPolling({
        client: telegram.client, log, lastUpdateId: undefined,
        accept: (updates) => {
          acceptCalls += 1;
          if (acceptCalls === 1) return Deferred.await(gate); // the first commit takes its time
          if (acceptCalls === 2) return Effect.fail(new Error("disk full")); // the second fails
          return Effect.void;
        },
      }));
      yield* settle;
      yield* TestClock.adjust("1 minute");
      yield* settle;
      // The first batch is still being committed: nothing more was fetched or confirmed.
      expect(acceptCalls).toBe(1);
      expect(telegram.of("getUpdates").map((c) => c.params.offset)).toEqual([undefined]);
      yield* Deferred.succeed(gate, undefined);
      yield* settle;
      expect(telegram.of("getUpdates").map((c) => c.params.offset)).toEqual([undefined, 3]);
      // Batch [3] failed to commit: after a backoff it is fetched again from offset 3.
      for (let s = 0; s < 60 && telegram.of("getUpdates").length < 4; s++) {
        yield* TestClock.adjust("1 second");
        yield* settle;
      }
      // …and once [3] is committed, [4] is fetched from 4, and the poll after it from 5.
      expect(telegram.of("getUpdates").map((c) => c.params.offset)).toEqual([undefined, 3, 3, 4, 5]);
      expect(acceptCalls).toBe(4); // [1,2], [3] failed, [3], [4]
      expect(lines.some((l) => l.startsWith("could not save updates; they stay unconfirmed at Telegram") && l.includes("disk full"))).toBe(true);
      yield* Fiber.interrupt(poller);
    })));

  it("moves the offset past updates without a usable id (issue 10): each takes the place after the one before it", () =>
    onTestClock(Effect.gen(function* () {
      const telegram = scriptedTelegram({
        getUpdates: [
          { result: [update(10), { update_id: null }, {}] },
          // Only updates without a usable id: the offset still moves, by their places.
          { result: [{ update_id: "14" }, { update_id: true }] },
          // An id going backwards (or repeated) still takes a new place.
          { result: [update(15), { update_id: 3 }] },
          { result: [update(20)] },
        ],
      });
      const { log } = captureLog();
      const accepted: unknown[][] = [];
      const poller = yield* Effect.fork(runPolling({
        client: telegram.client, log, lastUpdateId: 9,
        accept: (updates) => Effect.sync(() => accepted.push([...updates])),
      }));
      for (let s = 0; s < 10 && telegram.of("getUpdates").length < 5; s++) {
        yield* settle;
        yield* TestClock.adjust("1 second");
      }
      expect(telegram.of("getUpdates").map((c) => c.params.offset)).toEqual([10, 13, 15, 17, 21]);
      // Handed over as received: the inbox decides what to keep and what to set aside.
      expect(accepted[0]).toEqual([update(10), { update_id: null }, {}]);
      expect(accepted).toHaveLength(4);
      yield* Fiber.interrupt(poller);
    })));

  it("works out the offset from places: usable ids, the place after the previous one, or nothing known", () => {
    expect(nextOffset(10, [update(10), update(11)])).toBe(12);
    expect(nextOffset(10, [{ update_id: null }, {}, update(12)])).toBe(13);
    expect(nextOffset(10, [update(10), { update_id: 1.5 }, { update_id: -4 }])).toBe(13);
    expect(nextOffset(10, [{}, {}])).toBe(12);
    // No stored offset: counting starts at the first usable id (ones before it are below it).
    expect(nextOffset(undefined, [{}, update(50), {}])).toBe(52);
    // Nothing to count from at all: ask again (the inbox keeps each dead letter once).
    expect(nextOffset(undefined, [{}, { update_id: "x" }])).toBeUndefined();
  });
});
