/**
 * The `Delivery` service: one lane per conversation, each a fiber (in a `FiberMap` keyed by
 * chat) draining its outbox rows strictly in order (except that an album's later items join its
 * first, see `albums.ts`), many lanes at once. A lane starts when the
 * outbox announces work for its chat and ends when its rows are gone. At most `maxActive` lanes
 * run at a time; chats beyond wait in arrival order for a lane to end. (Not a semaphore with a
 * fiber per waiting chat: Effect's semaphore wakes every waiter on each release, which under a
 * burst of hundreds of chats cost more CPU than the sends.) A lane that must wait long — for
 * `not_before`, an album to settle, a rate-limit token — ends and leaves a sleeping fiber that
 * wakes it on the Clock, so waiting holds no slot. Results go back into the conversation as
 * events through the stepper.
 */
import * as Context from "effect/Context";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as FiberMap from "effect/FiberMap";
import * as Layer from "effect/Layer";
import * as PubSub from "effect/PubSub";
import * as Queue from "effect/Queue";
import { albumOf, placeOf, targetChatOf } from "../../conversation/intents.ts";
import type { OutboxRow } from "../outbox.ts";
import { Store, type StoreError } from "../../store/store.ts";
import { TelegramApi } from "../../telegram/api.ts";
import { Bot } from "../bot-env.ts";
import { Outbox } from "../outbox.ts";
import { RateLimiter, type RateLimitConfig } from "../rate-limits.ts";
import { Stepper } from "../stepper.ts";
import { albumWindow, nextBatch } from "./albums.ts";
import { attempt } from "./attempt.ts";
import { makeCompletions } from "./completions.ts";
import { beforeCreate } from "./creations.ts";
import type { DeliveryContext, DeliveryStats } from "./context.ts";
import { settle } from "./outcomes.ts";
import { type Flying, knownTopicIds, type PairsInFlight, recordsPairs } from "./pairs-in-flight.ts";

/** What the service offers. */
export interface DeliveryService {
  readonly stats: DeliveryStats;
  /** Lanes running right now (working or waiting). */
  readonly activeLanes: number;
  /** The bot's rate limiter: plugins' background sends (broadcasts) take their tokens from it too. */
  readonly limiter: RateLimiter;
}

/** Settings of delivery. */
export interface DeliveryOptions {
  limits: RateLimitConfig;
  /** How long an album may still grow after its newest item was committed. */
  albumSettle?: Duration.DurationInput;
  /**
   * Lanes running at once. Each holds at most one Bot API call: more would only queue on the
   * HTTP agent's sockets and the store's single writer, and cost memory per open request.
   */
  maxActive?: number;
  /** Where sends that record message pairs are counted while in flight (the router waits for them, pairs-in-flight.ts). */
  pairsInFlight?: PairsInFlight;
}

/** A lane that must wait longer than this ends and is woken by a sleeping fiber, so waiting holds no slot. */
const parkAfterMs = 50;

/** See the module comment. */
export class Delivery extends Context.Tag("switchboard/Delivery")<Delivery, DeliveryService>() {
  /** Delivers the bot's outbox for the life of the layer's scope, starting with work left from before. */
  static readonly layer = (o: DeliveryOptions): Layer.Layer<Delivery, StoreError, Store | Bot | TelegramApi | Stepper | Outbox> =>
    Layer.scoped(
      Delivery,
      Effect.gen(function* () {
        const { db } = yield* Store;
        const { botId, groupId, log, tracing } = yield* Bot;
        const stepper = yield* Stepper;
        const outbox = yield* Outbox;
        const stats: DeliveryStats = { delivered: 0, retried: 0, dropped: 0, rateLimited: 0, inDoubtResent: 0, topicsRecreated: 0 };
        const clock = yield* Effect.clock;
        const ctx: DeliveryContext = {
          db, botId, groupId, log, stepper, outbox, stats, clock,
          startedAt: clock.unsafeCurrentTimeMillis(),
          creating: new Set(),
          client: yield* TelegramApi,
          limiter: new RateLimiter(o.limits, clock.unsafeCurrentTimeMillis()),
          // Before the lanes: the lanes' scope closes first, so none waits on a stopped committer.
          complete: yield* makeCompletions(db, botId, outbox),
        };
        const settleMs = Duration.toMillis(Duration.decode(o.albumSettle ?? "400 millis"));
        const maxActive = o.maxActive ?? 64;
        const lanes = yield* FiberMap.make<number>();
        const parked = yield* FiberMap.make<number>();
        /** Chats with a lane; kept here, not read off the FiberMap, so the decision to end a lane and a new wake-up never race. */
        const active = new Set<number>();
        /** Chats with work waiting for a free lane, oldest first. */
        const waiting = new Set<number>();
        /** Chats woken while their lane ran: it looks again before it ends. */
        const again = new Set<number>();

        /** Waits `ms` inside the lane, or ends the lane and wakes it after `ms` when that is long. */
        const pause = (chatId: number, ms: number): Effect.Effect<"more" | "parked"> => {
          if (ms <= parkAfterMs) return Effect.as(Effect.sleep(Duration.millis(Math.max(1, ms))), "more" as const);
          return Effect.sync(() => void active.delete(chatId)).pipe(
            Effect.zipRight(FiberMap.run(parked, chatId, Effect.zipRight(Effect.sleep(Duration.millis(ms)), wake(chatId)))),
            Effect.as("parked" as const),
          );
        };

        /** Ends the lane when its outbox is empty, unless work was announced since its turn began. */
        const end = (chatId: number): "done" | "more" => {
          if (again.has(chatId)) return "more";
          active.delete(chatId);
          return "done";
        };

        /** A topic-bound head while the conversation has no topic: a pending createTopic goes first. */
        const topicFirst = (chatId: number): Effect.Effect<OutboxRow | undefined, StoreError> =>
          stepper.withTopic(chatId, (topicId) => topicId !== null ? Effect.succeed(undefined) : outbox.firstOfType(chatId, "createTopic"));

        // Chosen once: without tracing, an attempt is exactly the plain call.
        const attemptOf = tracing === undefined
          ? (chatId: number, batch: readonly OutboxRow[]) => attempt(ctx, chatId, batch.map((r) => r.intent))
          : (chatId: number, batch: readonly OutboxRow[]) => tracing.deliver(chatId, batch, ctx.client, (client) => attempt({ ...ctx, client }, chatId, batch.map((r) => r.intent)));
        const inFlight = o.pairsInFlight;

        /**
         * Sends `batch` and records the outcome: true when its rows are gone, or the ms to wait
         * when a topic creation is in doubt (nothing was sent). Uninterruptible: a call in flight
         * is finished and recorded before a stop takes effect. Whichever way it ends, its place
         * in the overall window is settled (a store error after the send would otherwise hold it
         * until it counts as lost, ~11 s), and it is no longer a creation being sent or a
         * delivery in flight for the router (pairs-in-flight.ts). One exit handler for all of
         * that instead of an `ensuring` and an acquire/release each: this runs for every message.
         */
        const send = (chatId: number, batch: readonly OutboxRow[], target: number, now: number): Effect.Effect<boolean | number, StoreError> =>
          Effect.suspend(() => {
            const head = batch[0];
            const creation = head.intent.type === "createTopic";
            // Its pairs are known to the router as soon as Telegram answers, before the commit.
            // Begun last, just before the handler that ends it is attached: nothing between may throw.
            let flying: Flying | undefined;
            const deliver = Effect.flatMap(attemptOf(chatId, batch), (outcome) => {
              if (flying && outcome.kind === "done" && outcome.pairs.length > 0) flying.answered(chatId, outcome.pairs);
              return settle(ctx, chatId, batch, outcome);
            });
            const sent: Effect.Effect<boolean | number, StoreError> = !creation ? deliver : Effect.flatMap(beforeCreate(ctx, chatId, head, now), (doubt): Effect.Effect<boolean | number, StoreError> => {
              if (doubt > 0) return Effect.succeed(doubt); // nothing sent: the slot frees as if answered now
              // Recorded after the token is taken: a creation recorded but not sent would look in doubt.
              ctx.creating.add(head.id);
              return deliver;
            });
            if (inFlight && recordsPairs(head.intent)) flying = inFlight.begin(knownTopicIds(batch.map((r) => r.intent)));
            return Effect.flatMap(Effect.exit(sent), (exit) => {
              flying?.end();
              if (creation) ctx.creating.delete(head.id);
              ctx.limiter.settled(target, clock.unsafeCurrentTimeMillis());
              return exit;
            });
          }).pipe(Effect.uninterruptible);

        /**
         * One turn of a lane: "done" when the lane is empty, "parked" when it waits outside,
         * otherwise it goes on. One generator per turn, and what is in memory read without an
         * effect: this runs once per message.
         */
        const turn = (chatId: number): Effect.Effect<"done" | "parked" | "more", StoreError> =>
          Effect.gen(function* () {
            again.delete(chatId);
            // The head and whether anything follows it, or enough rows to gather an album past
            // the rows between its items.
            let rows = outbox.headNow(chatId, 2) ?? (yield* outbox.head(chatId, 2));
            if (rows.length === 0) return end(chatId);
            if (albumOf(rows[0].intent)) rows = yield* outbox.head(chatId, albumWindow);
            const now = clock.unsafeCurrentTimeMillis();
            const first = placeOf(rows[0].intent) === "topic" ? yield* topicFirst(chatId) : undefined;
            const lead = first ?? rows[0];
            if (lead.notBefore > now) return yield* pause(chatId, lead.notBefore - now);
            const batch = first ? [first] : nextBatch(rows, now, settleMs);
            if (batch === "wait") return yield* pause(chatId, settleMs);
            const target = targetChatOf(batch[0].intent, chatId, groupId);
            // An album counts each of its messages in the bot's overall window.
            const wait = ctx.limiter.reserve(target, now, { count: batch.length });
            if (wait > 0) return yield* pause(chatId, wait);
            const gone = yield* send(chatId, batch, target, now);
            if (typeof gone === "number") return yield* pause(chatId, gone);
            // The lane's only row is gone: it is empty unless work was announced meanwhile (a
            // commit announces after it is durable, so `again` or a new lane sees it). This
            // saves reading an empty lane after nearly every message at low rates.
            if (gone && rows.length === 1 && batch.length === 1 && batch[0].id === rows[0].id) return end(chatId);
            return "more";
          });

        const lane = (chatId: number): Effect.Effect<void> =>
          Effect.gen(function* () {
            for (;;) {
              const step = yield* turn(chatId).pipe(
                // A store failure mid-delivery: nothing was removed, so the rows are tried again.
                Effect.catchAll((error) => {
                  log.error("delivery step failed; retrying", { chat: chatId, error: error.message });
                  return pause(chatId, 1000);
                }),
              );
              if (step !== "more") break;
            }
            // The slot is free: the oldest waiting chat gets it.
            const next = waiting.values().next();
            if (!next.done) yield* start(next.value);
          });

        const start = (chatId: number): Effect.Effect<void> =>
          Effect.suspend(() => {
            waiting.delete(chatId);
            active.add(chatId);
            return FiberMap.run(lanes, chatId, lane(chatId)).pipe(Effect.asVoid);
          });

        function wake(chatId: number): Effect.Effect<void> {
          return Effect.suspend(() => {
            if (active.has(chatId)) {
              again.add(chatId);
              return Effect.void;
            }
            if (active.size >= maxActive) {
              waiting.add(chatId);
              return Effect.void;
            }
            return start(chatId);
          });
        }

        // Subscribe before reading what is pending: work committed in between is seen twice at
        // worst, never missed.
        const announced = yield* PubSub.subscribe(outbox.work);
        yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.takeBetween(announced, 1, 1024), (chats) => Effect.forEach(chats, wake, { discard: true }))));

        // A lane sends one row at a time, so only each lane's head can have been in flight when
        // the process stopped: those are the sends *in doubt*, resent (never dropped) and counted.
        const pending = yield* outbox.pendingChats();
        stats.inDoubtResent += pending.length;
        if (pending.length > 0) log.info("resuming delivery; the first queued send of each conversation may repeat one that was in flight", { conversations: pending.length });
        yield* Effect.forEach(pending, wake, { discard: true });

        return {
          stats,
          limiter: ctx.limiter,
          get activeLanes() {
            return active.size;
          },
        } satisfies DeliveryService;
      }),
    );
}
