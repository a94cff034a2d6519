/**
 * The background sender of one bot: a fiber that drains the webhooks queue. Each URL has at
 * most one request in flight and sends its rows in id order (a receiver sees events in the
 * order they happened); URLs do not wait for each other, and nothing here ever waits inside a
 * conversation's step, so a slow or dead receiver delays only its own queue.
 *
 * Failed requests are retried on the {@link retryPolicy} (0.5 s doubling, capped at 10 min,
 * with jitter) until they are older than `retryForMs` (24 h by default, about 150 attempts),
 * then given up with an error log. A command's answer whose report into the topic fails is
 * reported again on the same schedule and bound, then set aside as a dead letter. The next
 * try's time is kept in the row (`next_at`), so a restart resumes the schedule. Every wait and every "now" here is the Clock's (tests drive it
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
import { defer, heads, type QueueRow, remove, setAsideReport, settle } from "./queue.ts";

/** Settings of a sender. */
export interface SenderOptions {
  db: Kysely<any>;
  botId: string;
  log: Logger;
  secret: string | undefined;
  timeoutMs: number;
  retryForMs: number;
  /**
   * What a try leaves to report (a command webhook's answer for the topic), as text kept in the
   * row until it is reported; undefined when there is nothing to report.
   */
  reportOf?: (row: QueueRow, attempt: number, outcome: PostOutcome) => string | undefined;
  /**
   * Makes a report of `reportOf`. Once the request is done (answered, refused or given up) the
   * report is kept in the row first, so a rejection here retries only the report, never the
   * request (whose side effect at the receiver must not repeat).
   */
  report?: (row: QueueRow, report: string) => Promise<void>;
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

    /** Makes a report (a rejection counts as a store failure: the sender waits and tries again). */
    const report = (row: QueueRow, text: string) => o.report ? store(() => o.report!(row, text)) : Effect.void;

    /**
     * Ends a row whose request is done: with a report to make, the report is kept in the row
     * first (the request is never repeated for it), then made, then the row removed.
     */
    const finish = (row: QueueRow, attempt: number, text: string | undefined) =>
      Effect.gen(function* () {
        if (text !== undefined) {
          const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis);
          yield* store(() => settle(o.db, row.id, attempt, now, text));
          yield* report(row, text);
        }
        yield* store(() => remove(o.db, row.id));
      });

    /** After a store failure (or a failed report) the row stays as it is and the URL waits. */
    const orWait = <A>(row: QueueRow, attempt: number, work: Effect.Effect<A, QueueStoreError>) =>
      work.pipe(
        Effect.uninterruptible,
        Effect.catchAll((error) =>
          Effect.sync(() =>
            o.log.error("webhook outcome could not be recorded or reported; will try again", { url: redact(row.url), event: row.event, id: row.eventId, attempt, error: String(error.cause) })
          ).pipe(
            // An unrecorded request is sent again later (receivers deduplicate by id), a kept
            // report is made again; the URL waits meanwhile.
            Effect.zipRight(Effect.sleep(storeTrouble)),
          )
        ),
      );

    /** Removes or defers the row after a try; uninterruptible, so a stop never cuts a write short. */
    const record = (row: QueueRow, attempt: number, outcome: PostOutcome) =>
      orWait(row, attempt, Effect.gen(function* () {
        const fields = { url: redact(row.url), event: row.event, id: row.eventId, attempt };
        const text = o.reportOf?.(row, attempt, outcome);
        if (outcome.kind === "delivered") {
          yield* finish(row, attempt, text);
          o.log.debug("webhook delivered", { ...fields, status: outcome.status });
          return;
        }
        if (outcome.kind === "rejected") {
          yield* finish(row, attempt, text);
          o.log.error("webhook refused by the receiver; given up (only network errors, timeouts, 408, 429 and 5xx are retried)", { ...fields, error: outcome.reason });
          return;
        }
        const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis);
        const wait = outcome.retryAfterMs ?? Math.round(Duration.toMillis(yield* delayBefore(retryPolicy, attempt)));
        const retryAt = now + wait;
        if (retryAt > row.createdAt + o.retryForMs) {
          yield* finish(row, attempt, text);
          o.log.error("webhook given up: the receiver failed for too long", { ...fields, queued_for_h: +((now - row.createdAt) / 3_600_000).toFixed(2), error: outcome.reason });
        } else {
          // Not done yet: a failed report leaves the row untried, to be sent (and reported) again.
          if (text !== undefined) yield* report(row, text);
          yield* store(() => defer(o.db, row.id, attempt, retryAt, outcome.reason));
          o.log.warn("webhook delivery failed; will retry", { ...fields, in_ms: wait, error: outcome.reason });
        }
      }));

    /**
     * A row whose request is done and whose report failed: the report again, never the request,
     * on the same backoff as requests (the row's `attempts` go on counting, `next_at` is the next
     * try). A report that fails past the row's `retryForMs` (one that can never be made: the
     * conversation's step refuses it every time) is set aside as a dead letter and logged once.
     */
    const reportAgain = (row: QueueRow, text: string) =>
      orWait(row, row.attempts, Effect.gen(function* () {
        const attempt = row.attempts + 1;
        const made = yield* Effect.either(report(row, text));
        if (made._tag === "Right") return yield* store(() => remove(o.db, row.id));
        const reason = String(made.left.cause instanceof Error ? made.left.cause.message : made.left.cause);
        const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis);
        const retryAt = now + Math.round(Duration.toMillis(yield* delayBefore(retryPolicy, attempt)));
        const fields = { url: redact(row.url), event: row.event, id: row.eventId, attempt, error: reason };
        if (retryAt > row.createdAt + o.retryForMs) {
          const letter = yield* store(() => setAsideReport(o.db, o.botId, row, `webhook report could not be made: ${reason}`.slice(0, 500), now));
          o.log.error("webhook report given up after failing for too long; set aside as a dead letter (switchboard inbox --dead lists them)", { ...fields, dead_letter: letter?.id ?? "kept before" });
          return;
        }
        yield* store(() => defer(o.db, row.id, attempt, retryAt, reason));
        o.log.warn("webhook report failed; will try again", { ...fields, in_ms: retryAt - now });
      }));

    /** One try of a URL's head row; the URL is busy until it is recorded. */
    const send = (row: QueueRow) => {
      const attempt = row.attempts + 1;
      const work = row.report !== undefined
        ? reportAgain(row, row.report)
        : postWebhook({ url: row.url, body: row.body, event: row.event, eventId: row.eventId, attempt, secret: o.secret, timeoutMs: o.timeoutMs }).pipe(
          Effect.flatMap((outcome) => record(row, attempt, outcome)),
        );
      return work.pipe(
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
