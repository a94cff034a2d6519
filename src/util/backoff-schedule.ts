/**
 * Backoff as an Effect `Schedule`, and the delay it gives a retry number — for retries that
 * live in a row (`next_at`, `not_before`) rather than in a fiber, so a durable retry follows
 * exactly the policy an in-memory `Effect.retry` would.
 */
import { Chunk, Duration, Effect, Option, Schedule } from "effect";

/**
 * Exponential backoff with jitter: 0.5 s doubling up to `cap`, each delay times a random
 * 0.5–1.5, so many workers retrying after one outage do not march in step. Never stops by
 * itself: bound it where it is used (`Schedule.upTo`, a row's age).
 */
export const backoff = (cap: Duration.DurationInput): Schedule.Schedule<Duration.Duration> =>
  Schedule.exponential("500 millis").pipe(
    // Union: go on while either does, waiting the shorter of the two delays — a cap.
    Schedule.union(Schedule.spaced(cap)),
    Schedule.jitteredWith({ min: 0.5, max: 1.5 }),
    Schedule.delays,
  );

/** The delay `schedule` waits before retry number `attempt` (1-based), by stepping it that many times. */
export const delayBefore = <Out, R>(schedule: Schedule.Schedule<Out, unknown, R>, attempt: number): Effect.Effect<Duration.Duration, never, R> =>
  Schedule.run(Schedule.delays(schedule), 0, Array.from({ length: Math.max(1, attempt) })).pipe(
    Effect.map((delays) => Option.getOrElse(Chunk.last(delays), () => Duration.zero)),
  );
