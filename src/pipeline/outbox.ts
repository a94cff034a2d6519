/**
 * The `Outbox` service: the durable queue of intents, one lane per conversation, and the signal
 * that a lane got work. Whoever commits rows announces their chats here (the stepper after a
 * step, delivery after a notice); delivery subscribes and wakes those lanes. Nobody kicks a
 * lane by hand.
 */
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as PubSub from "effect/PubSub";
import type { Intent } from "../conversation/intents.ts";
import { chatsWithPendingIntents, deferIntent, laneHead, laneHeadNow, type OutboxRow as StoredRow } from "../store/outbox.ts";
import { type AnalyticsEvent, recordEvents } from "../store/analytics.ts";
import { query, queryNow, Store, type StoreError } from "../store/store.ts";
import { Bot } from "./bot-env.ts";

/** A queued row with the pipeline's intent type. */
export type OutboxRow = StoredRow<Intent>;

/** What the service offers. */
export interface OutboxService {
  /** The first `limit` rows of a conversation's lane, oldest first. */
  head(chatId: number, limit: number): Effect.Effect<OutboxRow[], StoreError>;
  /** Conversations with anything queued (to resume delivery after a restart). */
  pendingChats(): Effect.Effect<number[], StoreError>;
  /**
   * Postpones rows after a failure: not before `notBefore`, counting one more attempt; `events`
   * (the retry, a 429) are recorded for analytics in the same transaction.
   */
  defer(rows: readonly OutboxRow[], notBefore: number, events?: readonly AnalyticsEvent[]): Effect.Effect<void, StoreError>;
  /** Chats whose lanes got rows, announced after the commit that queued them. */
  readonly work: PubSub.PubSub<number>;
  /** Announces committed work for `chats`. */
  announce(chats: Iterable<number>): Effect.Effect<void>;
}

/** See the module comment. */
export class Outbox extends Context.Tag("switchboard/Outbox")<Outbox, OutboxService>() {
  /** The outbox of the bot in context, on the store in context. */
  static readonly layer: Layer.Layer<Outbox, never, Store | Bot> = Layer.effect(
    Outbox,
    Effect.gen(function* () {
      const { db } = yield* Store;
      const { botId } = yield* Bot;
      const work = yield* PubSub.unbounded<number>();
      return {
        head: (chatId, limit) =>
          queryNow("read the outbox", () => laneHeadNow<Intent>(db, botId, chatId, limit), () => laneHead<Intent>(db, botId, chatId, limit)),
        pendingChats: () => query("list pending lanes", () => chatsWithPendingIntents(db, botId)),
        defer: (rows, notBefore, events = []) =>
          query("postpone a delivery", () =>
            db.transaction().execute(async (tx) => {
              for (const row of rows) await deferIntent(tx, row.id, notBefore, row.attempts + 1);
              if (events.length > 0) await recordEvents(tx, botId, events);
            })),
        work,
        announce: (chats) => PubSub.publishAll(work, new Set(chats)),
      } satisfies OutboxService;
    }),
  );
}

/** The chats of `applied` steps that queued intents. */
export const chatsWithIntents = (applied: readonly { chatId: number; intents: readonly Intent[] }[]): number[] =>
  applied.filter((a) => a.intents.length > 0).map((a) => a.chatId);
