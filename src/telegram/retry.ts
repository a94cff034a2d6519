/**
 * How Bot API calls are retried: a 429 waits exactly what Telegram said (`retry_after`),
 * anything else backs off exponentially with jitter up to a cap.
 */
import type * as Duration from "effect/Duration";
import type * as Effect from "effect/Effect";
import type * as Schedule from "effect/Schedule";
import { backoffSchedule } from "../util/backoff-schedule.ts";
import type { TelegramError } from "./errors.ts";

/** Options of `telegramRetry`. */
export interface TelegramRetryOptions<E extends TelegramError> {
  /** The longest backoff (before jitter) for a failure; default 30 s. */
  readonly cap?: (error: E) => Duration.DurationInput;
  /** At most this many retries; unbounded without it. */
  readonly times?: number;
  /** Which failures are retried at all; all without it. */
  readonly while?: (error: E) => boolean;
  /** Called before each wait (for the log line). */
  readonly onRetry?: (error: E, wait: Duration.Duration) => Effect.Effect<void>;
}

/** The schedule for `Effect.retry` on a Bot API call. */
export const telegramRetry = <E extends TelegramError>(o: TelegramRetryOptions<E> = {}): Schedule.Schedule<E, E> =>
  backoffSchedule<E>({
    cap: o.cap ?? (() => "30 seconds"),
    exact: (e) => (e._tag === "RateLimited" ? `${e.retryAfter} seconds` : undefined),
    ...(o.times !== undefined ? { times: o.times } : {}),
    ...(o.while ? { while: o.while } : {}),
    ...(o.onRetry ? { onRetry: o.onRetry } : {}),
  });
