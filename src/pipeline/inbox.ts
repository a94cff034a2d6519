/**
 * The `Inbox` service: where every source puts what it received. `accept` saves a batch in one
 * transaction (duplicates ignored) and only then wakes the processor and the parallel system's
 * stream; sources acknowledge to Telegram after it succeeds, so nothing accepted is ever lost.
 */
import type { Update } from "@grammyjs/types";
import * as Clock from "effect/Clock";
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as Queue from "effect/Queue";
import { botMetrics, record } from "../admin/metrics.ts";
import { acceptUpdates, type InboxRow, lastUpdateId, pendingUpdates } from "../store/inbox.ts";
import { query, Store, type StoreError } from "../store/store.ts";
import { Bot } from "./bot-env.ts";

/** What the service offers. */
export interface InboxService {
  /**
   * Saves updates durably and wakes the processor; resolves to how many were new. `sourceKey`
   * names what an update is, for sources that may deliver one twice under different ids.
   */
  accept(updates: readonly Update[], sourceKey?: (u: Update) => string | undefined): Effect.Effect<number, StoreError>;
  /** The oldest unprocessed updates, in arrival order. */
  pending(limit: number): Effect.Effect<InboxRow[], StoreError>;
  /** The highest Telegram update id ever accepted (polling resumes after it). */
  lastUpdateId(): Effect.Effect<number | undefined, StoreError>;
  /** Waits until something was accepted since the last wait (the processor's wake-up). */
  readonly arrivals: Effect.Effect<void>;
  /** Listens to every accepted batch (the proxy's stream for the parallel system); returns the unsubscribe. */
  onAccepted(listener: (updates: readonly Update[]) => void): () => void;
}

/** Settings of the inbox. */
export interface InboxOptions {
  /** Picks the updates a parallel system behind the proxy must see too (queued in the same transaction). */
  mirror?: (u: Update) => boolean;
}

/** See the module comment. */
export class Inbox extends Context.Tag("switchboard/Inbox")<Inbox, InboxService>() {
  /** The inbox of the bot in context. */
  static readonly layer = (options: InboxOptions = {}): Layer.Layer<Inbox, never, Store | Bot> =>
    Layer.effect(
      Inbox,
      Effect.gen(function* () {
        const { db } = yield* Store;
        const { botId } = yield* Bot;
        const received = botMetrics(botId).updatesReceived;
        // One slot that stays filled until taken: any number of accepts before the processor
        // looks again cost one wake-up, and none is lost while it works.
        const wake = yield* Queue.sliding<void>(1);
        const listeners = new Set<(updates: readonly Update[]) => void>();
        // Left from a previous run (crash or stop): the processor looks at once.
        yield* Queue.offer(wake, undefined);
        return {
          accept: (updates, sourceKey) =>
            Effect.gen(function* () {
              if (updates.length === 0) return 0;
              const now = yield* Clock.currentTimeMillis;
              const fresh = yield* query("accept updates", () => acceptUpdates(db, botId, updates, now, { ...options, ...(sourceKey ? { sourceKey } : {}) }));
              yield* Queue.offer(wake, undefined);
              if (fresh > 0) record(received, fresh);
              for (const listener of listeners) listener(updates);
              return fresh;
            }),
          pending: (limit) => query("read the inbox", () => pendingUpdates(db, botId, limit)),
          lastUpdateId: () => query("read the polling offset", () => lastUpdateId(db, botId)),
          arrivals: Queue.take(wake),
          onAccepted: (listener) => {
            listeners.add(listener);
            return () => listeners.delete(listener);
          },
        } satisfies InboxService;
      }),
    );
}
