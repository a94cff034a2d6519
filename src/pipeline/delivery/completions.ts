/**
 * Group commit of finished deliveries: a lane hands in its completion (rows to remove, message
 * pairs to record) and waits; one committer fiber takes everything handed in since its last
 * transaction and commits it together. Under load hundreds of small commits per second become a
 * few; each lane still waits for its own rows to be gone before it reads its next one, so order
 * is unaffected.
 *
 * Before committing, the committer lets the event loop finish its turn: the Bot API answers that
 * arrived in the same turn each finish a lane, and without the wait the committer ran at the
 * first of them, so a burst committed once per delivery (a commit is the costliest statement,
 * see bench/README.md "Session 3"). A turn, not a time: nothing waits on the Clock.
 */
import { clearImmediate, setImmediate } from "node:timers";
import * as Deferred from "effect/Deferred";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Queue from "effect/Queue";
import type * as Scope from "effect/Scope";
import { type MessagePair, recordPairs } from "../../store/message-map.ts";
import type { Db } from "../../store/open.ts";
import { removeIntents } from "../../store/outbox.ts";
import { query, type StoreError } from "../../store/store.ts";

/** One lane's finished delivery. */
export interface Completion {
  ids: readonly number[];
  chatId: number;
  pairs: readonly MessagePair[];
  now: number;
}

/**
 * Records completions inside a transaction: the committer's, or someone else's (the stepper's,
 * when the result is also an event for the conversation).
 */
export async function completeIn(tx: Db, botId: string, completions: readonly Completion[]): Promise<void> {
  await removeIntents(tx, completions.flatMap((c) => c.ids));
  for (const c of completions) await recordPairs(tx, botId, c.chatId, c.pairs, c.now);
}

type Waiting = readonly [Completion, Deferred.Deferred<void, StoreError>];

/** Resumes after the event loop's current turn (its I/O callbacks) is done. */
const endOfTurn: Effect.Effect<void> = Effect.async((resume) => {
  const pending = setImmediate(() => resume(Effect.void));
  return Effect.sync(() => clearImmediate(pending));
});

/** How many completions one transaction takes at most. */
const maxBatch = 512;

/**
 * Starts the committer in the current scope; returns the function lanes complete through. Start
 * it before the lanes: scopes close in reverse, so the lanes stop first and no lane waits on a
 * committer that is gone.
 */
export const makeCompletions = (db: Db, botId: string): Effect.Effect<(completion: Completion) => Effect.Effect<void, StoreError>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const handedIn = yield* Queue.unbounded<Waiting>();
    const commit = (batch: Iterable<Waiting>) => {
      const items = [...batch];
      return query("record deliveries", () => db.transaction().execute((tx) => completeIn(tx, botId, items.map(([c]) => c)))).pipe(
        Effect.exit,
        Effect.flatMap((exit) => Effect.forEach(items, ([, done]) => Deferred.done(done, Exit.asVoid(exit)), { discard: true })),
        Effect.uninterruptible,
      );
    };
    // Once a completion is taken it is committed: a stop waits for the turn to end, not longer.
    const gatherAndCommit = Effect.flatMap(Queue.take(handedIn), (first) =>
      endOfTurn.pipe(
        Effect.zipRight(Queue.takeUpTo(handedIn, maxBatch - 1)),
        Effect.flatMap((rest) => commit([first, ...rest])),
        Effect.uninterruptible,
      ));
    yield* Effect.forkScoped(Effect.forever(gatherAndCommit));
    return (completion) =>
      Effect.gen(function* () {
        const done = yield* Deferred.make<void, StoreError>();
        yield* Queue.offer(handedIn, [completion, done]);
        yield* Deferred.await(done);
      });
  });
