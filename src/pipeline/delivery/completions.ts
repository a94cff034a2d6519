/**
 * Group commit of finished deliveries: a lane hands in its completion (rows to remove, message
 * pairs to record) and waits; one committer fiber takes everything handed in since its last
 * transaction and commits it together. Under load hundreds of small commits per second become a
 * few; each lane still waits for its own rows to be gone before it reads its next one, so order
 * is unaffected.
 */
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
    yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.takeBetween(handedIn, 1, maxBatch), commit)));
    return (completion) =>
      Effect.gen(function* () {
        const done = yield* Deferred.make<void, StoreError>();
        yield* Queue.offer(handedIn, [completion, done]);
        yield* Deferred.await(done);
      });
  });
