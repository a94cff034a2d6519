/**
 * Long polling against a scripted Telegram (the edge of the world), on the TestClock: backoff
 * and 429 waits pass without real time; the stream is pull-based, so the next getUpdates runs
 * only after the batch was accepted, and a failed accept asks again from the same offset.
 */
import type { Update } from "@grammyjs/types";
import { Clock, Deferred, Effect, Fiber, TestClock, TestContext } from "effect";
import { describe, expect, it } from "vitest";
import type { TelegramClient } from "../../src/telegram/client.ts";
import { Conflict, NetworkError, RateLimited, type TelegramError } from "../../src/telegram/errors.ts";
import { runPolling } from "../../src/telegram/polling.ts";
import type { Logger } from "../../src/util/log.ts";

type Reply = TelegramError | Update[];

/** A Bot API that answers getUpdates from a script and then waits forever, recording each call. */
function scriptedTelegram(script: Reply[]) {
  const calls: Array<{ at: number; offset: number | undefined; timeout: number }> = [];
  const client = {
    apiRoot: "http://telegram.test",
    call: (method: string, params?: { offset?: number; timeout?: number }) =>
      Effect.gen(function* () {
        if (method !== "getUpdates") return true;
        calls.push({ at: yield* Clock.currentTimeMillis, offset: params?.offset, timeout: params?.timeout ?? 0 });
        const reply = script.shift();
        if (reply === undefined) return yield* Effect.never;
        return Array.isArray(reply) ? reply : yield* Effect.fail(reply);
      }),
  } as unknown as TelegramClient;
  return { client, calls };
}

function captureLog() {
  const lines: string[] = [];
  const log: Logger = {
    debug: () => {}, info: () => {},
    warn: (m, f) => lines.push(`${m} ${JSON.stringify(f ?? {})}`),
    error: (m, f) => lines.push(`${m} ${JSON.stringify(f ?? {})}`),
    child: () => log,
  };
  return { log, lines };
}

const update = (id: number) => ({ update_id: id }) as Update;
/** Lets forked fibers run up to their next wait. */
const settle = Effect.gen(function* () {
  for (let i = 0; i < 20; i++) yield* Effect.yieldNow();
});
const onTestClock = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.provide(effect, TestContext.TestContext));

describe("polling", () => {
  it("backs off with jitter through the Clock, waits retry_after on 429, reports 409 clearly", () =>
    onTestClock(Effect.gen(function* () {
      const telegram = scriptedTelegram([
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
        accept: (updates) => Effect.sync(() => accepted.push(updates.map((u) => u.update_id))),
        onConnected: Deferred.succeed(connected, undefined),
      }));
      // Two minutes of test time, a second at a time; no real waiting.
      for (let s = 0; s < 120 && telegram.calls.length < 6; s++) {
        yield* settle;
        yield* TestClock.adjust("1 second");
      }
      yield* settle;
      expect(yield* Deferred.isDone(connected)).toBe(true);
      expect(accepted).toEqual([[10]]);
      const at = telegram.calls.map((c) => c.at);
      const waits = at.slice(1).map((t, i) => t - at[i]);
      // 0.5 s and 1 s, each times 0.5–1.5; then exactly retry_after; then 4 s × 0.5–1.5.
      expect(waits[0]).toBeGreaterThanOrEqual(250);
      expect(waits[0]).toBeLessThanOrEqual(750 + 1000);
      expect(waits[1]).toBeGreaterThanOrEqual(500);
      expect(waits[1]).toBeLessThanOrEqual(1500 + 1000);
      expect(waits[2]).toBeGreaterThanOrEqual(7000);
      expect(waits[2]).toBeLessThanOrEqual(8000);
      expect(waits[3]).toBeGreaterThanOrEqual(2000);
      expect(waits[3]).toBeLessThanOrEqual(7000);
      expect(telegram.calls.map((c) => c.offset)).toEqual([10, 10, 10, 10, 10, 11]);
      // Until Telegram answered, calls do not wait, so "connected" shows at once.
      expect(telegram.calls.map((c) => c.timeout)).toEqual([0, 0, 0, 0, 0, 25]);
      expect(lines.filter((l) => l.startsWith("getUpdates failed; retrying"))).toHaveLength(3); // 2 network, 1 429
      expect(lines.some((l) => l.startsWith("409 Conflict: another process is polling this bot, or a webhook is set") && l.includes('"in_ms"'))).toBe(true);
      expect(lines.find((l) => l.includes("RateLimited"))).toContain('"in_ms":7000');
      yield* Fiber.interrupt(poller);
    })));

  it("asks for the next batch only after the last one was accepted; a failed accept asks again from the same offset", () =>
    onTestClock(Effect.gen(function* () {
      const telegram = scriptedTelegram([[update(1), update(2)], [update(3)], [update(3)], [update(4)]]);
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
      expect(telegram.calls.map((c) => c.offset)).toEqual([undefined]);
      yield* Deferred.succeed(gate, undefined);
      yield* settle;
      expect(telegram.calls.map((c) => c.offset)).toEqual([undefined, 3]);
      // Batch [3] failed to commit: after a backoff it is fetched again from offset 3.
      for (let s = 0; s < 60 && telegram.calls.length < 4; s++) {
        yield* TestClock.adjust("1 second");
        yield* settle;
      }
      // …and once [3] is committed, [4] is fetched from 4, and the poll after it from 5.
      expect(telegram.calls.map((c) => c.offset)).toEqual([undefined, 3, 3, 4, 5]);
      expect(acceptCalls).toBe(4); // [1,2], [3] failed, [3], [4]
      expect(lines.some((l) => l.startsWith("could not save updates; they stay unconfirmed at Telegram") && l.includes("disk full"))).toBe(true);
      yield* Fiber.interrupt(poller);
    })));
});
