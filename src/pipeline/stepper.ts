/**
 * The `Stepper` service of one bot: every step goes through `apply`, one batch at a time — the
 * router, delivery results and timers all feed it, and serialising them (a one-permit semaphore)
 * is what makes read-step-write safe without row locks. After each commit it announces the
 * lanes that got work and wakes the timers if a timer was set. A step is microseconds of CPU;
 * the batch's single transaction is the real cost. The steps themselves are in `steps.ts`.
 */
import * as Clock from "effect/Clock";
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as Queue from "effect/Queue";
import { botMetrics, record } from "../admin/metrics.ts";
import type { ConversationMachine } from "../conversation/machine.ts";
import { Plugins } from "../plugins/service.ts";
import type { Db } from "../store/open.ts";
import { query, Store, type StoreError } from "../store/store.ts";
import { Bot } from "./bot-env.ts";
import type { Intent } from "../conversation/intents.ts";
import { chatsWithIntents, Outbox, type OutboxWrite } from "./outbox.ts";
import { type Applied, type ConversationRow, ConversationSteps, type Envelope, type TransitionListener } from "./steps.ts";

export type { Applied, ConversationRow, Envelope, TransitionListener } from "./steps.ts";

/** What the service offers. */
export interface StepperService {
  /**
   * Steps every envelope in order and commits them together with `dropped` (updates that lead
   * nowhere but must still be marked processed), then announces the lanes that got work.
   * `alsoCommit` adds writes to the same transaction (delivery removes the rows whose results
   * these events are, so a result and its consequence are durable together). Batches run one
   * after another; `now` is the Clock's.
   */
  apply(envelopes: readonly Envelope[], dropped?: readonly number[], alsoCommit?: (tx: Db, outbox: OutboxWrite<Intent>) => Promise<void>): Effect.Effect<Applied[], StoreError>;
  /** The conversation's current row (cache first), or undefined for a user never seen. */
  rowOf(chatId: number): Effect.Effect<ConversationRow | undefined, StoreError>;
  /** The conversation's current topic id, or null while it has none. */
  topicOf(chatId: number): Effect.Effect<number | null, StoreError>;
  /**
   * Continues with the conversation's topic: from memory without an effect step of its own (delivery
   * asks for every send), else read ({@link topicOf}).
   */
  withTopic<A, E>(chatId: number, f: (topicId: number | null) => Effect.Effect<A, E>): Effect.Effect<A, E | StoreError>;
  /** Subscribes to transitions; returns the unsubscribe function. */
  onTransition(listener: TransitionListener): () => void;
  /** How many snapshots are held in memory right now. */
  readonly cached: number;
  /** The chat of a topic a recent step saw (memory only; undefined = ask the store). */
  chatOfRecentTopic(topicId: number): number | undefined;
  /** Waits until a commit set a timer since the last wait (the timers' wake-up). */
  readonly timersSet: Effect.Effect<void>;
}

/** See the module comment. */
export class Stepper extends Context.Tag("switchboard/Stepper")<Stepper, StepperService>() {
  /** The stepper of the bot in context, stepping `machine`. */
  static readonly layer = (machine: ConversationMachine, cacheSize?: number): Layer.Layer<Stepper, never, Store | Bot | Plugins | Outbox> =>
    Layer.effect(
      Stepper,
      Effect.gen(function* () {
        const { db } = yield* Store;
        const bot = yield* Bot;
        const plugins = yield* Plugins;
        const outbox = yield* Outbox;
        const core = new ConversationSteps({ db, bot: bot.view, machine, plugins, log: bot.log, ...(cacheSize ? { cacheSize } : {}) });
        const oneAtATime = yield* Effect.makeSemaphore(1);
        const timersSet = yield* Queue.sliding<void>(1);
        const metrics = botMetrics(bot.botId);
        const service: StepperService = {
          apply: (envelopes, dropped = [], alsoCommit) =>
            Effect.gen(function* () {
              const now = yield* Clock.currentTimeMillis;
              const started = yield* Clock.currentTimeNanos;
              const commit = query("commit a step", () => outbox.track((write) => core.apply(envelopes, dropped, now, alsoCommit, write)));
              const { applied, setTimers, adopted } = yield* (bot.tracing === undefined ? commit : bot.tracing.step(envelopes, now, commit));
              record(metrics.storeTransaction, Number((yield* Clock.currentTimeNanos) - started) / 1e9);
              if (envelopes.length > 0) record(metrics.steps, envelopes.length);
              // A lane waiting for its creation in doubt goes on at once when the topic is adopted.
              yield* outbox.announce([...chatsWithIntents(applied), ...adopted]);
              if (setTimers) yield* Queue.offer(timersSet, undefined);
              return applied;
            }).pipe(
              oneAtATime.withPermits(1),
              // A batch in hand is committed before a stop takes effect.
              Effect.uninterruptible,
            ),
          timersSet: Queue.take(timersSet),
          // Delivery asks for every send: answer from memory without a promise when possible.
          rowOf: (chatId) => Effect.suspend(() => {
            const cached = core.cachedRow(chatId);
            return cached ? Effect.succeed(cached) : query("read a conversation", () => core.rowOf(chatId));
          }),
          topicOf: (chatId) => Effect.suspend(() => {
            const cached = core.cachedRow(chatId);
            return cached ? Effect.succeed(cached.topicId) : query("read a conversation", async () => (await core.rowOf(chatId))?.topicId ?? null);
          }),
          withTopic: (chatId, f) => {
            const known = core.cachedRow(chatId)?.topicId;
            return known !== undefined ? f(known) : Effect.flatMap(service.topicOf(chatId), f);
          },
          onTransition: (listener) => core.onTransition(listener),
          chatOfRecentTopic: (topicId) => core.chatOfTopic(topicId),
          get cached() {
            return core.cached;
          },
        };
        return service;
      }),
    );
}

