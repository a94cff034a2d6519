/**
 * Long polling. `pollUpdates` is a pull-based Stream of update batches: the next getUpdates
 * runs only when the consumer pulls again, that is after it committed the previous batch, and
 * only then is that batch confirmed to Telegram (by the next call's offset). Telegram re-sends
 * anything unconfirmed; the inbox ignores the duplicates. A failing getUpdates is retried with
 * backoff (a 429 waits `retry_after`); a 409 — another poller, or a webhook — is reported
 * clearly and retried, never fatal. `runPolling` feeds the stream to the inbox.
 *
 * Updates are handed over as they came, undecoded (the inbox decodes them and sets aside what
 * it cannot use); the offset is worked out from the batch's positions, so an update without a
 * usable id is confirmed like any other and never stalls the stream (see `nextOffset`).
 */
import * as Clock from "effect/Clock";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Ref from "effect/Ref";
import * as Schedule from "effect/Schedule";
import * as Stream from "effect/Stream";
import { backoffSchedule } from "../util/backoff-schedule.ts";
import type { ReceiveHealth } from "../pipeline/receive-health.ts";
import type { Logger } from "../util/log.ts";
import { allowedUpdates, type UpdateKind } from "./allowed-updates.ts";
import type { TelegramClient } from "./client.ts";
import { NetworkError, type TelegramError } from "./errors.ts";
import { telegramRetry } from "./retry.ts";

/** Settings of the update stream. */
export interface PollingOptions {
  readonly client: TelegramClient;
  readonly log: Logger;
  /** The highest update id already committed; read whenever the stream (re)starts. */
  readonly committed: Effect.Effect<number | undefined>;
  /** Long-poll timeout in seconds (Telegram allows up to 50; default 25). */
  readonly timeoutSeconds?: number;
  /** Runs after each successful getUpdates that follows a start or a failure (e.g. "connected"). */
  readonly onConnected?: Effect.Effect<void>;
  /** The update kinds asked for; Switchboard's own by default (see allowed-updates.ts). */
  readonly allowedUpdates?: readonly UpdateKind[];
  /** Told of every getUpdates answer and failure (for `/readyz`). */
  readonly health?: ReceiveHealth;
  /**
   * The bot was polled until just now (a takeover from another instance): no webhook is expected,
   * so none is deleted before the first poll. Should there be one after all, getUpdates' 409 says
   * so, and it is deleted then (see `runPolling`).
   */
  readonly noWebhookExpected?: boolean;
}

/** One getUpdates answer: the updates as received, and the offset that confirms all of them. */
export interface PolledBatch {
  readonly updates: readonly unknown[];
  /** Undefined only when no position is known at all (see `nextOffset`). */
  readonly next: number | undefined;
}

/**
 * The offset that confirms a batch asked for from `from`. Telegram numbers updates one after
 * another and answers from `from` on, so each update sits at least one place after the one
 * before it: an update with a usable id (a positive safe integer) is at that id, or at the
 * place after its predecessor if the id goes backwards; one without (`update_id: null`,
 * missing, a string…, which only a broken Bot API server sends) is taken to be at the place
 * after its predecessor. The offset is the last place + 1, so it always moves past the whole
 * batch — a batch of only such updates included — and never past an update not yet received,
 * as long as the server numbers them in order. With no place known at all (a new bot, no
 * stored offset, a first batch without a single usable id) there is nothing to count from:
 * the batch is asked for again, and the inbox keeps each dead letter once.
 */
export function nextOffset(from: number | undefined, updates: readonly unknown[]): number | undefined {
  let place = from === undefined ? undefined : from - 1;
  for (const update of updates) {
    const id = update !== null && typeof update === "object" ? (update as { update_id?: unknown }).update_id : undefined;
    const usable = typeof id === "number" && Number.isSafeInteger(id) && id > 0 ? id : undefined;
    if (place === undefined) place = usable;
    else place = usable !== undefined && usable > place ? usable : place + 1;
  }
  return place === undefined ? from : place + 1;
}

/**
 * Non-empty batches of updates, oldest first, forever. Pull-based: do not buffer it (a buffer
 * would confirm batches nobody has committed yet). Each run starts from `committed` + 1.
 */
export const pollUpdates = (o: PollingOptions): Stream.Stream<PolledBatch> =>
  Stream.unwrap(
    Effect.gen(function* () {
      const last = yield* o.committed;
      // What getUpdates asks from; it moves past a batch only when the next batch is pulled.
      const offset = yield* Ref.make(last === undefined ? undefined : last + 1);
      const handedOver = yield* Ref.make<number | undefined>(undefined);
      const connected = yield* Ref.make(false);
      const timeout = o.timeoutSeconds ?? 25;

      const call = Effect.gen(function* () {
        const from = yield* Ref.get(offset);
        // The first call does not wait, so "connected" is known as soon as Telegram answers.
        const wait = (yield* Ref.get(connected)) ? timeout : 0;
        const updates: unknown = yield* o.client.call(
          "getUpdates",
          { ...(from !== undefined ? { offset: from } : {}), timeout: wait, allowed_updates: [...(o.allowedUpdates ?? allowedUpdates)] },
          { timeout: Duration.seconds(timeout + 15) },
        );
        // Anything but a list is a broken server: retried with backoff like a network failure.
        if (!Array.isArray(updates)) return yield* Effect.fail(new NetworkError({ method: "getUpdates", reason: "the answer is not a list of updates" }));
        return { from, updates: updates as readonly unknown[] };
      }).pipe(
        Effect.tap(() => (o.health ? Clock.currentTimeMillis.pipe(Effect.map((now) => o.health!.ok("polling", now))) : Effect.void)),
        Effect.tapError((e) =>
          Ref.set(connected, false).pipe(
            Effect.zipRight(o.noWebhookExpected && e._tag === "Conflict" && /webhook/i.test(e.description) ? deleteWebhook(o) : Effect.void),
            Effect.zipRight(o.health ? Clock.currentTimeMillis.pipe(Effect.map((now) => o.health!.failed(e._tag === "NetworkError" ? `getUpdates: ${e.reason}` : `getUpdates: ${e._tag}`, now))) : Effect.void),
          )
        ),
        Effect.retry(telegramRetry<TelegramError>({
          cap: (e) => (e._tag === "Conflict" ? "60 seconds" : "30 seconds"),
          onRetry: (e, wait) => Effect.sync(() => reportFailure(o.log, e, wait)),
        })),
        // The schedule never ends: a failure cannot come out of the retry.
        Effect.orDie,
      );

      const nextBatch = Effect.gen(function* () {
        // Pulled again: the consumer committed what it got, so Telegram may forget it.
        const next = yield* Ref.getAndSet(handedOver, undefined);
        if (next !== undefined) yield* Ref.set(offset, next);
        for (;;) {
          const { from, updates } = yield* call;
          if (!(yield* Ref.getAndSet(connected, true)) && o.onConnected) yield* o.onConnected;
          if (updates.length > 0) {
            const next = nextOffset(from, updates);
            yield* Ref.set(handedOver, next);
            return { updates, next } satisfies PolledBatch;
          }
        }
      });
      return Stream.repeatEffect(nextBatch);
    }),
  );

/** Settings of `runPolling`. */
export interface RunPollingOptions extends Omit<PollingOptions, "committed" | "onConnected"> {
  /** Highest update id already in the inbox, if any. */
  readonly lastUpdateId: number | undefined;
  /** Saves a batch (as received) durably; the poller confirms it to Telegram only after this succeeds. */
  readonly accept: (updates: readonly unknown[]) => Effect.Effect<unknown, unknown>;
  /** Runs once, after the first successful getUpdates. */
  readonly onConnected?: Effect.Effect<void>;
}

/**
 * Polls until interrupted: deletes any webhook (polling and a webhook exclude each other; after a
 * takeover only when getUpdates finds one, see `noWebhookExpected`), then
 * commits every batch through `accept`. A failed accept restarts the stream after a backoff, so
 * getUpdates asks again from the same unconfirmed offset.
 */
export const runPolling = (o: RunPollingOptions): Effect.Effect<never> =>
  Effect.gen(function* () {
    // One Bot API call fewer per bot in a takeover's burst of starts (see `noWebhookExpected`).
    if (!o.noWebhookExpected) yield* deleteWebhook(o);
    const committed = yield* Ref.make(o.lastUpdateId);
    const onConnected = o.onConnected ? yield* Effect.once(o.onConnected) : undefined;
    yield* pollUpdates({ ...o, committed: Ref.get(committed), ...(onConnected ? { onConnected } : {}) }).pipe(
      Stream.runForEach(({ updates, next }) =>
        o.accept(updates).pipe(Effect.zipRight(next === undefined ? Effect.void : Ref.set(committed, next - 1)))
      ),
      Effect.retry(backoffSchedule<unknown>({
        cap: "30 seconds",
        onRetry: (error, wait) =>
          Effect.sync(() => o.log.error("could not save updates; they stay unconfirmed at Telegram", { error: String(error), in_ms: Duration.toMillis(wait) })),
      }).pipe(Schedule.resetAfter("5 minutes"))),
      Effect.orDie,
    );
    return yield* Effect.never;
  });

/** Deletes the bot's webhook (polling and a webhook exclude each other); a failure is logged, and polling goes on. */
const deleteWebhook = (o: Pick<PollingOptions, "client" | "log">): Effect.Effect<void> =>
  o.client.call("deleteWebhook", { drop_pending_updates: false }).pipe(
    Effect.asVoid,
    Effect.catchAll((e) => Effect.sync(() => o.log.warn("deleteWebhook failed; polling anyway", { error: e._tag }))),
  );

function reportFailure(log: Logger, e: TelegramError, wait: Duration.Duration): void {
  const inMs = Math.round(Duration.toMillis(wait));
  if (e._tag === "Conflict") {
    log.error("409 Conflict: another process is polling this bot, or a webhook is set. Stop the other instance; retrying", { in_ms: inMs, telegram: e.description });
  } else if (e._tag === "Unauthorized") {
    log.error("401 Unauthorized: the bot token is wrong or revoked; retrying", { in_ms: inMs });
  } else {
    log.warn("getUpdates failed; retrying", { error: e._tag, ...(e._tag === "NetworkError" ? { reason: e.reason } : {}), in_ms: inMs });
  }
}
