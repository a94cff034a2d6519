/**
 * The retry policy as an Effect `Schedule`: exponential backoff with full jitter, the same curve
 * as `backoffMs` (0.5 s doubling up to a cap, times a random 0.5–1.5, so many retriers after one
 * outage do not march in step). Waits go through the Clock, so tests drive them with `TestClock`.
 */
import * as Chunk from "effect/Chunk";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import * as Random from "effect/Random";
import * as Schedule from "effect/Schedule";

/** How a backoff reacts to the failures it is fed. */
export interface BackoffOptions<E> {
  /** The longest base delay (before jitter), possibly per failure. */
  readonly cap: Duration.DurationInput | ((error: E) => Duration.DurationInput);
  /** An exact wait the failure itself names (Telegram's `retry_after`), taken as it is. */
  readonly exact?: (error: E) => Duration.DurationInput | undefined;
  /** At most this many retries; unbounded without it. */
  readonly times?: number;
  /** Which failures are retried at all (checked before anything is announced); all without it. */
  readonly while?: (error: E) => boolean;
  /** Called before each wait with the failure and the wait chosen (for the log line). */
  readonly onRetry?: (error: E, wait: Duration.Duration) => Effect.Effect<void>;
}

/** A schedule for `Effect.retry`: fed the failures, it outputs the last one. See the module comment. */
export const backoffSchedule = <E>(o: BackoffOptions<E>): Schedule.Schedule<E, E> => {
  const exponential = Schedule.exponential("500 millis");
  const counted: Schedule.Schedule<unknown, E> = o.times === undefined ? exponential : Schedule.intersect(exponential, Schedule.recurs(o.times));
  const filtered = o.while ? Schedule.whileInput(counted, o.while) : counted;
  const capOf = typeof o.cap === "function" ? o.cap : () => o.cap as Duration.DurationInput;
  return Schedule.passthrough(filtered).pipe(
    // Runs only when the schedule goes on: the last, given-up failure is not announced as retried.
    Schedule.modifyDelayEffect((error, base) =>
      Effect.gen(function* () {
        const named = o.exact?.(error);
        const wait = named !== undefined
          ? Duration.decode(named)
          : Duration.millis(Math.round(Duration.toMillis(Duration.min(base, Duration.decode(capOf(error)))) * (yield* Random.nextRange(0.5, 1.5))));
        if (o.onRetry) yield* o.onRetry(error, wait);
        return wait;
      })
    ),
  );
};

/**
 * The plain backoff, capped at `cap`, where every failure is retried alike. Never stops by
 * itself: bound it where it is used (`Schedule.upTo`, a row's age).
 */
export const backoff = (cap: Duration.DurationInput = "30 seconds"): Schedule.Schedule<unknown, unknown> => backoffSchedule<unknown>({ cap });

/**
 * The delay `schedule` waits before retry number `attempt` (1-based), by stepping it that many
 * times: for retries that live in a row (`not_before`, `next_at`) rather than in a fiber, so a
 * durable retry follows exactly the policy an in-memory `Effect.retry` would. Reads Random.
 */
export const delayBefore = <Out, R>(schedule: Schedule.Schedule<Out, unknown, R>, attempt: number): Effect.Effect<Duration.Duration, never, R> =>
  Schedule.run(Schedule.delays(schedule), 0, Array.from({ length: Math.max(1, attempt) })).pipe(
    Effect.map((delays) => Option.getOrElse(Chunk.last(delays), () => Duration.zero)),
  );

/** Past this many doublings the cap has long been reached: stepping further changes nothing. */
const maxSteps = 16;

/** {@link delayBefore} of {@link backoff}`(cap)` in milliseconds, for an outbox row's attempt number. */
export const backoffDelayMs = (attempt: number, cap: Duration.DurationInput = "30 seconds"): Effect.Effect<number> =>
  Effect.map(delayBefore(backoff(cap), Math.min(maxSteps, attempt)), (delay) => Math.round(Duration.toMillis(delay)));
