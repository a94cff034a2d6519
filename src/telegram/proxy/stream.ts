/**
 * The parallel system's own update stream: long polling over the `proxy_updates` queue with its
 * own offset and Telegram's rules — a poll that is about to wait ends the one waiting with 409.
 * Updates the system did not ask for (`allowed_updates`) are never queued (see allowed-updates.ts).
 * A long poll waits on the Clock and is woken by `notify` when new updates are queued.
 *
 * `offset` as Telegram's Bot API server reads it (tdlib/telegram-bot-api, `do_get_updates` and
 * `TQueue::get`): a negative offset keeps only the newest -offset queued updates and answers from
 * the oldest left; 0 or none answers from the oldest; a positive one confirms (forgets) every
 * update below it and answers from it — unless it is more than 10 past the newest update id
 * Telegram has handed out, which the server takes for a mistake ("in the future"): it is then
 * ignored, nothing is confirmed, and the answer starts at the oldest queued update.
 */
import type { Update } from "@grammyjs/types";
import * as Clock from "effect/Clock";
import * as Deferred from "effect/Deferred";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Ref from "effect/Ref";
import type { Db } from "../../store/open.ts";
import { lastUpdateId } from "../../store/inbox.ts";
import { confirmProxyUpdates, keepNewestProxyUpdates, proxyUpdatesFrom } from "../../store/proxy-updates.ts";

/** How far past the newest update id an offset may point before Telegram ignores it. */
const futureSlack = 10;

/** An answer for the HTTP layer: Telegram's JSON shape. */
export type StreamAnswer = { ok: true; result: Update[] } | { ok: false; error_code: number; description: string };

/** See the module comment. */
export interface ProxyStream {
  /** New updates arrived: wake a waiting long poll. */
  readonly notify: Effect.Effect<void>;
  /** Ends a waiting long poll with `answer` (e.g. when a webhook is set). */
  terminate(answer: StreamAnswer): Effect.Effect<void>;
  /** getUpdates: applies `offset` (see the module comment), then answers at once or within `timeoutSeconds`. */
  getUpdates(offset: number | undefined, limit: number, timeoutSeconds: number): Effect.Effect<StreamAnswer, unknown>;
}

const conflict: StreamAnswer = { ok: false, error_code: 409, description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running" };

/** The stream of bot `botId`'s parallel system. */
export const makeProxyStream = (db: Db, botId: string): Effect.Effect<ProxyStream> =>
  Effect.gen(function* () {
    // The long poll waiting now, if any: completed with an answer to end it, or empty to wake it.
    const waiting = yield* Ref.make<Deferred.Deferred<StreamAnswer | undefined> | undefined>(undefined);
    const wake = (answer: StreamAnswer | undefined) =>
      Effect.flatMap(Ref.get(waiting), (waiter) => (waiter ? Deferred.succeed(waiter, answer) : Effect.void));
    /** The next queued updates. */
    const next = (offset: number, limit: number) => Effect.tryPromise(() => proxyUpdatesFrom(db, botId, offset, limit));

    // Every getUpdates that waits takes a ticket; only the newest may go on waiting.
    const newest = yield* Ref.make(0);

    /** Applies `offset` to the queue; answers the id to read from (0: the oldest queued). */
    const position = (offset: number | undefined) =>
      Effect.gen(function* () {
        if (offset === undefined || offset === 0) return 0;
        if (offset < 0) {
          yield* Effect.tryPromise(() => keepNewestProxyUpdates(db, botId, -offset));
          return 0;
        }
        // Switchboard accepts every update the other system gets, so its last id is Telegram's.
        const last = yield* Effect.tryPromise(() => lastUpdateId(db, botId));
        if (last !== undefined && offset > last + 1 + futureSlack) return 0;
        yield* Effect.tryPromise(() => confirmProxyUpdates(db, botId, offset));
        return offset;
      });

    /** One look at the queue, then a wait until woken or the deadline; `undefined`: look again. */
    const attempt = (ticket: number, offset: number, limit: number, deadline: number) =>
      Effect.acquireUseRelease(
        // Waiting is announced before the queue is read, so a notify in between is not lost.
        Effect.tap(Deferred.make<StreamAnswer | undefined>(), (waiter) => Ref.set(waiting, waiter)),
        (waiter) =>
          Effect.gen(function* () {
            if ((yield* Ref.get(newest)) !== ticket) return conflict;
            const updates = yield* next(offset, limit);
            const left = deadline - (yield* Clock.currentTimeMillis);
            if (updates.length > 0 || left <= 0) return { ok: true, result: updates } satisfies StreamAnswer;
            return yield* Deferred.await(waiter).pipe(
              Effect.timeoutTo({ duration: Duration.millis(left), onTimeout: () => undefined, onSuccess: (answer) => answer }),
            );
          }),
        (waiter) => Ref.update(waiting, (current) => (current === waiter ? undefined : current)),
      );

    const getUpdates = (offset: number | undefined, limit: number, timeoutSeconds: number) =>
      Effect.gen(function* () {
        const from = yield* position(offset);
        const deadline = (yield* Clock.currentTimeMillis) + Math.max(0, timeoutSeconds) * 1000;
        // An answer at once (updates queued, or a short poll) leaves a waiting poll alone, as on Telegram.
        const ready = yield* next(from, limit);
        if (ready.length > 0 || timeoutSeconds <= 0) return { ok: true, result: ready } satisfies StreamAnswer;
        // About to wait: the newer request wins; the one still waiting is told so.
        const ticket = yield* Ref.updateAndGet(newest, (n) => n + 1);
        yield* wake(conflict);
        for (;;) {
          const answer = yield* attempt(ticket, from, limit, deadline);
          if (answer) return answer;
        }
      });

    return {
      notify: wake(undefined),
      terminate: (answer) => wake(answer),
      getUpdates,
    } satisfies ProxyStream;
  });
