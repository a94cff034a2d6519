/**
 * The runtime's one retry policy: 0.5 s doubling up to a cap, each delay jittered by 0.5–1.5×
 * so many lanes retrying after one outage do not march in step. In-memory retries use the
 * `Schedule` directly; durable retries (an outbox row's `not_before`) take their delay from the
 * same schedule, stepped to the row's attempt number.
 */
import { Chunk, Duration, Effect, Option, Schedule } from "effect";

/** The backoff schedule, capped at `cap`. Outputs each delay. */
export const backoff = (cap: Duration.DurationInput = "30 seconds") => {
  const limit = Duration.decode(cap);
  return Schedule.exponential("500 millis").pipe(
    Schedule.modifyDelay((delay) => Duration.min(delay, limit)),
    Schedule.jitteredWith({ min: 0.5, max: 1.5 }),
  );
};

/** Past this many doublings the cap has long been reached: stepping further changes nothing. */
const maxSteps = 16;

/**
 * The delay before retry number `attempt` (1-based) under {@link backoff}, in milliseconds, for
 * retries that outlive the process (stored as `not_before`). Reads the Clock and Random.
 */
export const backoffDelayMs = (attempt: number, cap: Duration.DurationInput = "30 seconds"): Effect.Effect<number> =>
  Effect.gen(function* () {
    const steps = Math.min(maxSteps, Math.max(1, attempt));
    const delays = yield* Schedule.run(Schedule.delays(backoff(cap)), 0, Array.from({ length: steps }, () => undefined));
    return Math.round(Duration.toMillis(Option.getOrElse(Chunk.last(delays), () => Duration.millis(500))));
  });
