/**
 * The `Outbox` service: the durable queue of intents, one lane per conversation, and the signal
 * that a lane got work. Whoever commits rows announces their chats here (the stepper after a
 * step, delivery after a notice); delivery subscribes and wakes those lanes. Nobody kicks a
 * lane by hand.
 *
 * Every write of the outbox goes through {@link OutboxService.track} (or `trackNow`), which
 * keeps a mirror of the lanes in memory (outbox-mirror.ts): a lane's head is then read from
 * memory, not from the store, about once per relayed message.
 */
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as PubSub from "effect/PubSub";
import type { Intent } from "../conversation/intents.ts";
import { chatsWithPendingIntents, deferIntent, firstIntentOfType, laneHead, laneHeadNow, outboxRows, outboxRowsNow, type OutboxRow as StoredRow } from "../store/outbox.ts";
import { type AnalyticsEvent, recordEvents } from "../store/analytics.ts";
import { query, queryNow, Store, type StoreError } from "../store/store.ts";
import { Bot } from "./bot-env.ts";
import { OutboxMirror, OutboxWrite } from "./outbox-mirror.ts";

export { OutboxWrite } from "./outbox-mirror.ts";

/** A queued row with the pipeline's intent type. */
export type OutboxRow = StoredRow<Intent>;

/** What the service offers. */
export interface OutboxService {
  /** The first `limit` rows of a conversation's lane, oldest first (a new array: the caller's). */
  head(chatId: number, limit: number): Effect.Effect<OutboxRow[], StoreError>;
  /**
   * {@link head} from the mirror, without an effect: undefined when the mirror does not know the
   * lane (then `head` reads the store). A lane looks at its head before every send.
   */
  headNow(chatId: number, limit: number): OutboxRow[] | undefined;
  /** The oldest row of the lane with an intent of `type`. */
  firstOfType(chatId: number, type: Intent["type"]): Effect.Effect<OutboxRow | undefined, StoreError>;
  /** Conversations with anything queued (to resume delivery after a restart). */
  pendingChats(): Effect.Effect<number[], StoreError>;
  /**
   * Runs `transaction`, a transaction that writes the outbox and records in its
   * {@link OutboxWrite} what it wrote; once it committed the lanes in memory follow. Every write
   * of the outbox must go through here (or {@link trackNow}). Rejects as `transaction` does.
   */
  track<A>(transaction: (write: OutboxWrite<Intent>) => Promise<A>): Promise<A>;
  /**
   * {@link track} for a synchronous transaction (`TransactNow`, store/engine.ts): undefined when
   * it did not run.
   */
  trackNow<A>(transaction: (write: OutboxWrite<Intent>) => A | undefined): A | undefined;
  /**
   * Postpones rows after a failure: not before `notBefore`, counting one more attempt; `events`
   * (the retry, a 429) are recorded for analytics in the same transaction.
   */
  defer(rows: readonly OutboxRow[], notBefore: number, events?: readonly AnalyticsEvent[]): Effect.Effect<void, StoreError>;
  /** Rows held in memory right now (see outbox-mirror.ts). */
  readonly mirrored: number;
  /** Chats whose lanes got rows, announced after the commit that queued them. */
  readonly work: PubSub.PubSub<number>;
  /** Announces committed work for `chats`. */
  announce(chats: Iterable<number>): Effect.Effect<void>;
}

/**
 * Lanes served from the store in a row before the whole outbox is read again (after the mirror
 * forgot it); doubled, up to `maxReloadAfter`, each time the outbox was still too big to keep.
 */
const reloadAfterMisses = 256;
const maxReloadAfter = 65_536;

/** See the module comment. */
export class Outbox extends Context.Tag("switchboard/Outbox")<Outbox, OutboxService>() {
  /**
   * The outbox of the bot in context, on the store in context; `mirrorRows` bounds the rows kept
   * in memory (past it, lanes are read from the store until the outbox is small again).
   */
  static readonly layerWith = (o: { mirrorRows?: number } = {}): Layer.Layer<Outbox, never, Store | Bot> =>
    Layer.scoped(
      Outbox,
      Effect.gen(function* () {
        const { db } = yield* Store;
        const { botId } = yield* Bot;
        const work = yield* PubSub.unbounded<number>();
        const mirror = new OutboxMirror<Intent>(o.mirrorRows);
        // Its rows leave the process's budget when the bot stops (see OutboxMirror.processMaxRows).
        yield* Effect.addFinalizer(() => Effect.sync(() => mirror.reset()));
        let misses = 0;
        let reloadAfter = reloadAfterMisses;
        // A failed read changes nothing, but the store's state is unsure: read it all again.
        const forget = <A>(read: Effect.Effect<A, StoreError>) => Effect.tapError(read, () => Effect.sync(() => mirror.reset()));

        /** Reads the whole outbox into the mirror if it is small enough; true if the mirror is complete now. */
        const loadAll = Effect.suspend(() => {
          const stamp = mirror.readStamp();
          if (stamp === undefined) return Effect.succeed(false);
          const limit = mirror.maxRows + 1;
          return queryNow("read the outbox", () => outboxRowsNow<Intent>(db, botId, limit), () => outboxRows<Intent>(db, botId, limit)).pipe(
            Effect.map((rows) => {
              // Too big to keep: reading it all again is worth it less and less often.
              reloadAfter = rows.length > mirror.maxRows ? Math.min(reloadAfter * 2, maxReloadAfter) : reloadAfterMisses;
              return mirror.installAll(rows, stamp);
            }),
            forget,
          );
        });

        const fromStore = (chatId: number, limit: number) =>
          Effect.suspend(() => {
            const stamp = mirror.readStamp();
            return queryNow("read the outbox", () => laneHeadNow<Intent>(db, botId, chatId, limit), () => laneHead<Intent>(db, botId, chatId, limit)).pipe(
              Effect.tap((rows) => {
                if (rows.length < limit) mirror.install(chatId, rows, stamp);
              }),
              forget,
            );
          });

        const headNow = (chatId: number, limit: number) => mirror.lane(chatId)?.slice(0, limit);
        const head = (chatId: number, limit: number): Effect.Effect<OutboxRow[], StoreError> =>
          Effect.suspend(() => {
            const known = headNow(chatId, limit);
            if (known) return Effect.succeed(known);
            if (++misses < reloadAfter) return fromStore(chatId, limit);
            misses = 0;
            return Effect.flatMap(loadAll, (complete) => (complete ? head(chatId, limit) : fromStore(chatId, limit)));
          });

        const track = async <A>(transaction: (write: OutboxWrite<Intent>) => Promise<A>): Promise<A> => {
          const write = new OutboxWrite<Intent>();
          mirror.begin();
          let answer: A;
          try {
            answer = await transaction(write);
          } catch (error) {
            mirror.end(undefined);
            throw error;
          }
          mirror.end(write);
          return answer;
        };

        return {
          head,
          headNow,
          firstOfType: (chatId, type) =>
            Effect.suspend(() => {
              const known = mirror.lane(chatId);
              if (known) return Effect.succeed(known.find((r) => r.intent.type === type));
              return query("read the outbox", () => firstIntentOfType<Intent>(db, botId, chatId, type));
            }),
          // At start: the whole outbox when it is small (every lane known from then on), else
          // its chats only.
          pendingChats: () =>
            Effect.flatMap(loadAll, (complete) => complete ? Effect.sync(() => mirror.chats()) : query("list pending lanes", () => chatsWithPendingIntents(db, botId))),
          track,
          trackNow: (transaction) => {
            const write = new OutboxWrite<Intent>();
            let answer: ReturnType<typeof transaction>;
            try {
              answer = transaction(write);
            } catch (error) {
              // Failed and rolled back: unsure what the store holds, so it is read again.
              mirror.reset();
              throw error;
            }
            if (answer !== undefined) {
              mirror.begin();
              mirror.end(write);
            }
            return answer;
          },
          defer: (rows, notBefore, events = []) =>
            query("postpone a delivery", () =>
              track((write) =>
                db.transaction().execute(async (tx) => {
                  for (const row of rows) {
                    await deferIntent(tx, row.id, notBefore, row.attempts + 1);
                    write.deferred.push({ id: row.id, notBefore, attempts: row.attempts + 1 });
                  }
                  if (events.length > 0) await recordEvents(tx, botId, events);
                })
              )),
          get mirrored() {
            return mirror.size;
          },
          work,
          announce: (chats) => PubSub.publishAll(work, new Set(chats)),
        } satisfies OutboxService;
      }),
    );

  /** {@link layerWith} with its defaults. */
  static readonly layer: Layer.Layer<Outbox, never, Store | Bot> = Outbox.layerWith();
}

/** The chats of `applied` steps that queued intents. */
export const chatsWithIntents = (applied: readonly { chatId: number; intents: readonly Intent[] }[]): number[] =>
  applied.filter((a) => a.intents.length > 0).map((a) => a.chatId);
