/**
 * Moving Effect's TestClock from a test that also waits on the real world (HTTP, SQLite):
 * a move only wakes sleeps registered before it, so wait until the one meant is registered.
 */
import { Chunk, Clock, Effect, TestClock } from "effect";

/**
 * Moves the TestClock by `ms` once something sleeps until within that span; fails after
 * `timeoutMs` of real time if nothing does.
 */
export const adjustWhenSleeping = (ms: number, timeoutMs = 15_000): Effect.Effect<void, Error> =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis;
    const deadline = Date.now() + timeoutMs;
    while (!Chunk.some(yield* TestClock.sleeps(), (wakeAt) => wakeAt <= now + ms)) {
      if (Date.now() > deadline) return yield* Effect.fail(new Error(`nothing sleeps until within ${ms} ms`));
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)));
    }
    yield* TestClock.adjust(ms);
  });
