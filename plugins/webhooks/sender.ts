/**
 * The background sender of one bot: a fiber that drains the webhooks queue. Each URL has at
 * most one request in flight and sends its rows in id order (a receiver sees events in the
 * order they happened); URLs do not wait for each other, and nothing here ever waits inside a
 * conversation's step, so a slow or dead receiver delays only its own queue.
 *
 * Failed requests are retried on the {@link retryPolicy} (0.5 s doubling, capped at 10 min,
 * with jitter) until they are older than `retryForMs` (24 h by default, about 150 attempts),
 * then given up with an error log. The next try's time is kept in the row (`next_at`), so a
 * restart resumes the schedule. Every wait and every "now" here is the Clock's (tests drive it
 * with `TestClock`); rows are stamped with real time when queued, which is what the live Clock
 * reads.
 */
import type { Kysely } from "kysely";
import * as Data from "effect/Data";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as FiberSet from "effect/FiberSet";
import * as Queue from "effect/Queue";
import { backoff, delayBefore, type Logger } from "../../src/mod.ts";
import { postWebhook, type PostOutcome, webhookHttpClient } from "./post.ts";
import { defer, heads, type QueueRow, remove } from "./queue.ts";

/** Settings of a sender. */
export interface SenderOptions {
  db: Kysely<any>;
  botId: string;
  log: Logger;
  secret: string | undefined;
  timeoutMs: number;
  retryForMs: number;
  /**
   * Told each try's outcome before it is recorded (a command webhook's answer goes into the
   * topic). A rejection counts as a failed recording: the row stays and is sent again.
   */
  onOutcome?: (row: QueueRow, attempt: number, outcome: PostOutcome) => Promise<void>;
}

/** A running sender's handle (see {@link makeWebhookSender}). */
export interface WebhookSender {
  /** Asks the sender to look at the queue now (new rows were committed). Callable from anywhere; wakes coalesce. */
  readonly wake: () => void;
  /**
   * Drains the queue until interrupted. Interrupting it aborts the requests in flight: their
   * rows stay as they were and go first at the next start (at least once).
   */
  readonly run: Effect.Effect<void>;
}

/** Delays between tries of one row (the row's age bounds it: `retryForMs`). */
const retryPolicy = backoff("10 minutes");
/** After a failed read or write of the queue, wait this long (the store may be busy or full). */
const storeTrouble = Duration.seconds(5);

/** The queue's store failed. */
class QueueStoreError extends Data.TaggedError("QueueStoreError")<{ readonly cause: unknown }> {}

/** A queue query as an Effect. */
const store = <A>(query: () => Promise<A>) => Effect.tryPromise({ try: query, catch: (cause) => new QueueStoreError({ cause }) });

/** A URL for logs: queries often carry tokens, so they are left out. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}${u.search ? "?…" : ""}`;
  } catch {
    return "(invalid URL)";
  }
}

/** Builds a sender; nothing runs until its `run` does. */
export const makeWebhookSender = (o: SenderOptions): Effect.Effect<WebhookSender> =>
  Effect.gen(function* () {
    // One pending wake is all the information there is: "look again".
    const wakes = yield* Queue.sliding<void>(1);
    const wake = () => void wakes.unsafeOffer(undefined);
    /** URLs with a request in flight (or holding after a store failure). */
    const busy = new Set<string>();

    /** Removes or defers the row after a try; uninterruptible, so a stop never cuts a write short. */
    const record = (row: QueueRow, attempt: number, outcome: PostOutcome) =>
      Effect.gen(function* () {
        const fields = { url: redact(row.url), event: row.event, id: row.eventId, attempt };
        if (o.onOutcome) yield* store(() => o.onOutcome!(row, attempt, outcome));
        if (outcome.kind === "delivered") {
          yield* store(() => remove(o.db, row.id));
          o.log.debug("webhook delivered", { ...fields, status: outcome.status });
          return;
        }
        if (outcome.kind === "rejected") {
          yield* store(() => remove(o.db, row.id));
          o.log.error("webhook refused by the receiver; given up (only network errors, timeouts, 408, 429 and 5xx are retried)", { ...fields, error: outcome.reason });
          return;
        }
        const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis);
        const wait = outcome.retryAfterMs ?? Math.round(Duration.toMillis(yield* delayBefore(retryPolicy, attempt)));
        const retryAt = now + wait;
        if (retryAt > row.createdAt + o.retryForMs) {
          yield* store(() => remove(o.db, row.id));
          o.log.error("webhook given up: the receiver failed for too long", { ...fields, queued_for_h: +((now - row.createdAt) / 3_600_000).toFixed(2), error: outcome.reason });
        } else {
          yield* store(() => defer(o.db, row.id, attempt, retryAt, outcome.reason));
          o.log.warn("webhook delivery failed; will retry", { ...fields, in_ms: wait, error: outcome.reason });
        }
      }).pipe(
        Effect.uninterruptible,
        Effect.catchAll((error) =>
          Effect.sync(() =>
            o.log.error("webhook outcome could not be recorded; the request will repeat", { url: redact(row.url), event: row.event, id: row.eventId, attempt, error: String(error.cause) })
          ).pipe(
            // The row is sent again later (receivers deduplicate by id); the URL waits meanwhile.
            Effect.zipRight(Effect.sleep(storeTrouble)),
          )
        ),
      );

    /** One try of a URL's head row; the URL is busy until it is recorded. */
    const send = (row: QueueRow) => {
      const attempt = row.attempts + 1;
      return postWebhook({ url: row.url, body: row.body, event: row.event, eventId: row.eventId, attempt, secret: o.secret, timeoutMs: o.timeoutMs }).pipe(
        Effect.flatMap((outcome) => record(row, attempt, outcome)),
        Effect.ensuring(Effect.sync(() => {
          busy.delete(row.url);
          wake();
        })),
      );
    };

    /**
     * Starts the heads that are due; returns how long to wait before looking again, or nothing
     * when only a wake can bring work (no row waits for its time: new rows and finished sends wake).
     */
    const dispatch = (sending: FiberSet.FiberSet) =>
      Effect.gen(function* () {
        const rows = yield* store(() => heads(o.db, o.botId));
        const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis);
        let next = Number.POSITIVE_INFINITY;
        for (const row of rows) {
          if (busy.has(row.url)) continue;
          if (row.nextAt > now) {
            next = Math.min(next, row.nextAt);
            continue;
          }
          busy.add(row.url);
          yield* FiberSet.run(sending, send(row));
        }
        return next === Number.POSITIVE_INFINITY ? undefined : Duration.millis(Math.max(0, next - now));
      }).pipe(
        Effect.catchAll((error) =>
          Effect.sync(() => {
            o.log.error("webhooks queue could not be read; will look again", { error: String(error.cause), in_ms: Duration.toMillis(storeTrouble) });
            return storeTrouble;
          })
        ),
      );

    const run = Effect.gen(function* () {
      // Closing this scope (the run is interrupted) interrupts the requests in flight.
      const sending = yield* FiberSet.make();
      while (true) {
        // This pass answers every wake so far; one that comes during it makes the next pass.
        yield* Queue.takeAll(wakes);
        const wait = yield* dispatch(sending);
        if (wait === undefined) yield* Queue.take(wakes);
        else if (Duration.greaterThan(wait, Duration.zero)) yield* Effect.race(Queue.take(wakes), Effect.sleep(wait));
      }
    }).pipe(Effect.scoped, Effect.provide(webhookHttpClient));

    return { wake, run };
  });
