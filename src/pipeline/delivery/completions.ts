/**
 * Group commit of finished deliveries: a lane hands in its completion (rows to remove, message
 * pairs to record) and waits; at the end of the event loop's turn everything handed in during
 * it is committed in one transaction. Under load hundreds of small commits per second become a
 * few; each lane still waits for its own rows to be gone before it reads its next one, so order
 * is unaffected.
 *
 * The turn's end, not a time: the Bot API answers that arrive in one turn each finish a lane,
 * and committing at the first of them made a burst commit once per delivery (a commit is the
 * costliest statement, see bench/README.md "Session 3"). Nothing waits on the Clock.
 *
 * Plain callbacks rather than a committer fiber with a queue and a `Deferred` per completion,
 * and on SQLite one synchronous transaction (`transactNowOf`, store/engine.ts) rather than
 * Kysely's promise chain: this runs for every relayed message (bench/README.md "Session 4").
 */
import { clearImmediate, setImmediate } from "node:timers";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import { transactNowOf } from "../../store/engine.ts";
import { type MessagePair, recordPairs, recordPairsSync } from "../../store/message-map.ts";
import type { Db } from "../../store/open.ts";
import { removeIntents, removeIntentsSync } from "../../store/outbox.ts";
import { type StoreError, storeError } from "../../store/errors.ts";
import type { OutboxService, OutboxWrite } from "../outbox.ts";

/** One lane's finished delivery. */
export interface Completion {
  ids: readonly number[];
  chatId: number;
  pairs: readonly MessagePair[];
  now: number;
}

/**
 * Records completions inside a transaction: the committer's, or someone else's (the stepper's,
 * when the result is also an event for the conversation); the removed rows go into `outbox`.
 */
export async function completeIn(tx: Db, botId: string, completions: readonly Completion[], outbox: OutboxWrite): Promise<void> {
  const ids = idsOf(completions);
  await removeIntents(tx, ids);
  outbox.removed.push(...ids);
  for (const c of completions) await recordPairs(tx, botId, c.chatId, c.pairs, c.now);
}

/** {@link completeIn} with synchronous statements, inside a `TransactNow` transaction. */
function completeSync(db: Db, botId: string, completions: readonly Completion[], outbox: OutboxWrite): void {
  const ids = idsOf(completions);
  removeIntentsSync(db, ids);
  outbox.removed.push(...ids);
  for (const c of completions) recordPairsSync(db, botId, c.chatId, c.pairs, c.now);
}

const idsOf = (completions: readonly Completion[]): readonly number[] => completions.length === 1 ? completions[0].ids : completions.flatMap((c) => c.ids);

/** A completion and how to resume the lane that handed it in. */
type Waiting = readonly [Completion, (result: Effect.Effect<void, StoreError>) => void];

/** How many completions one transaction takes at most. */
const maxBatch = 512;

const doing = "record deliveries";

/**
 * Returns the function lanes complete through, for the current scope. Start it before the
 * lanes: scopes close in reverse, so the lanes (whose deliveries are uninterruptible, their
 * completion included) have finished when its finalizer runs; the finalizer still waits for a
 * commit in flight.
 */
export const makeCompletions = (db: Db, botId: string, outbox: Pick<OutboxService, "track" | "trackNow">): Effect.Effect<(completion: Completion) => Effect.Effect<void, StoreError>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const transactNow = transactNowOf(db);
    let handedIn: Waiting[] = [];
    let turn: ReturnType<typeof setImmediate> | undefined;
    /**
     * The asynchronous commit still running (engines without synchronous transactions, or
     * another transaction open): one at a time, as one committer did; what is handed in
     * meanwhile goes into the next.
     */
    let inFlight: Promise<void> | undefined;

    const settle = (items: readonly Waiting[], result: Effect.Effect<void, StoreError>) => {
      for (const [, resume] of items) resume(result);
    };

    const flush = () => {
      turn = undefined;
      if (inFlight || handedIn.length === 0) return;
      const items = handedIn.length <= maxBatch ? handedIn : handedIn.slice(0, maxBatch);
      handedIn = handedIn.length <= maxBatch ? [] : handedIn.slice(maxBatch);
      if (handedIn.length > 0) turn = setImmediate(flush);
      const completions = items.map(([c]) => c);
      if (transactNow) {
        let ran: true | undefined;
        try {
          ran = outbox.trackNow((write) => transactNow(() => (completeSync(db, botId, completions, write), true as const)));
        } catch (error) {
          return settle(items, Effect.fail(storeError(doing, error)));
        }
        if (ran) return settle(items, Effect.void);
      }
      inFlight = outbox.track((write) => db.transaction().execute((tx) => completeIn(tx, botId, completions, write))).then(
        () => settle(items, Effect.void),
        (error) => settle(items, Effect.fail(storeError(doing, error))),
      ).finally(() => {
        inFlight = undefined;
        if (handedIn.length > 0) turn ??= setImmediate(flush);
      });
    };

    yield* Effect.addFinalizer(() =>
      Effect.promise(async () => {
        // Nothing should be waiting (see above); whatever is, is committed rather than dropped.
        if (turn !== undefined) clearImmediate(turn);
        turn = undefined;
        for (;;) {
          if (inFlight) await inFlight;
          else if (handedIn.length > 0) flush();
          else break;
          if (turn !== undefined) clearImmediate(turn);
          turn = undefined;
        }
      })
    );

    return (completion) =>
      Effect.async<void, StoreError>((resume) => {
        handedIn.push([completion, resume]);
        turn ??= setImmediate(flush);
      });
  });
