/**
 * When the parallel system calls setWebhook on the proxy, its updates are posted to its URL the
 * way Telegram posts them: one lane per chat (store/proxy-lanes.ts), each strictly in order, up to
 * `max_connections` lanes at once. A refused update is retried with backoff (Telegram's curve:
 * doubling up to about a minute, or the answer's `Retry-After`) and holds back only its own chat;
 * it is given up — logged, counted, removed — once the next try would fall after the retry window
 * (24 h after it was queued, as Telegram keeps an update a day) or after `maxAttempts`. A method
 * the webhook's answer names is executed before the chat's next update (see webhook-reply.ts).
 *
 * Lanes are fibers, one per lane with work, as the outbox's delivery lanes are; a lane that
 * waits ends and leaves a sleeping fiber to wake it on the Clock, so waiting holds no slot. The
 * retry state lives in the rows, so a restart keeps the policy. Setting another webhook stops the
 * lanes of the old one and starts afresh (no backoff left over from the old URL).
 */
import * as HttpClient from "@effect/platform/HttpClient";
import type { Update } from "@grammyjs/types";
import * as Clock from "effect/Clock";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as ExecutionStrategy from "effect/ExecutionStrategy";
import * as Exit from "effect/Exit";
import * as FiberMap from "effect/FiberMap";
import * as FiberSet from "effect/FiberSet";
import * as Queue from "effect/Queue";
import * as Ref from "effect/Ref";
import * as Scope from "effect/Scope";
import type { Db } from "../../store/open.ts";
import { laneOf } from "../../store/proxy-lanes.ts";
import { loadProxyWebhook, type ProxyWebhook } from "../../store/proxy-settings.ts";
import {
  dateUndatedProxyUpdates, deferProxyUpdate, type ProxyLaneHead, proxyLaneHead, proxyLanes, removeProxyUpdate, restartProxyRetries,
} from "../../store/proxy-updates.ts";
import { query as store, type StoreError } from "../../store/store.ts";
import { backoffDelayMs } from "../../util/backoff-schedule.ts";
import type { Logger } from "../../util/log.ts";
import { postUpdate, type PushRefused } from "./webhook-post.ts";
import type { WebhookReply } from "./webhook-reply.ts";

export type { ProxyWebhook };

/** Counters of the pusher (part of the proxy's stats). */
export interface PushStats {
  /** Updates the webhook took. */
  webhookDelivered: number;
  /** Posts it refused (each retry counts). */
  webhookRefused: number;
  /** Updates given up after the retry window or the attempts ran out. */
  webhookGivenUp: number;
  /** Methods executed from the webhook's answers. */
  webhookReplies: number;
}

/** Fresh counters. */
export const newPushStats = (): PushStats => ({ webhookDelivered: 0, webhookRefused: 0, webhookGivenUp: 0, webhookReplies: 0 });

/** How refused updates are retried; Telegram's behaviour by default. */
export interface PushPolicy {
  /** How long one post may take before it counts as refused; default 30 s. */
  readonly timeout?: Duration.DurationInput;
  /** How long after it was queued an update is still retried, in hours; default 24 (Telegram keeps an update a day). */
  readonly retryHours?: number;
  /** At most this many posts of one update; default unbounded (Telegram counts time, not attempts). */
  readonly maxAttempts?: number;
}

/** The longest backoff between two posts of one update (before jitter), about Telegram's minute. */
const backoffCap = "60 seconds";

/** The last refusal, for getWebhookInfo. */
export interface PushError {
  /** Unix seconds. */
  readonly date: number;
  readonly message: string;
}

/** See the module comment. */
export interface WebhookPusher {
  /** The webhook in use, if any. */
  readonly webhook: Effect.Effect<ProxyWebhook | undefined>;
  /** The last refusal since the webhook was set, for getWebhookInfo. */
  readonly lastError: Effect.Effect<PushError | undefined>;
  /**
   * Pushes to `webhook` from now on (or stops, with undefined). `fresh`: the parallel system set
   * it just now, so earlier refusals are forgotten, as a new webhook on Telegram starts clean;
   * not fresh: the same webhook resumes after a restart, with its retry state.
   */
  set(webhook: ProxyWebhook | undefined, fresh: boolean): Effect.Effect<void, StoreError>;
  /** Updates were accepted (some of them queued for the parallel system): wake their lanes. */
  queued(updates: readonly Update[]): Effect.Effect<void>;
  /**
   * Several instances: a proxy on another instance changed the stored webhook or queued updates.
   * Takes the stored webhook if it differs from the one in use (its retries were restarted where
   * it was set), and looks at every lane with something queued.
   */
  readonly reload: Effect.Effect<void>;
}

/** Settings of a pusher. */
export interface PusherOptions {
  readonly db: Db;
  readonly botId: string;
  readonly log: Logger;
  readonly stats: PushStats;
  readonly policy?: PushPolicy;
  /** Executes a method a webhook answer named, as a call of the parallel system (recorded like any). */
  readonly dispatch: (reply: WebhookReply) => Effect.Effect<void>;
}

/** One webhook's lanes, for the life of its scope. */
interface Run {
  readonly scope: Scope.CloseableScope;
  readonly wake: (lane: string) => Effect.Effect<void>;
}

/** A pusher whose lanes end with the scope; what is queued stays for the next start. */
export const makeWebhookPusher = (o: PusherOptions): Effect.Effect<WebhookPusher, never, Scope.Scope | HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient;
    const outer = yield* Effect.scope;
    const webhook = yield* Ref.make<ProxyWebhook | undefined>(undefined);
    const lastError = yield* Ref.make<PushError | undefined>(undefined);
    const current = yield* Ref.make<Run | undefined>(undefined);
    const switching = yield* Effect.makeSemaphore(1);
    const timeout = o.policy?.timeout ?? Duration.seconds(30);
    const retryMs = (o.policy?.retryHours ?? 24) * 3_600_000;
    const { db, botId, log, stats } = o;
    // Whether the last post was refused: the log tells when refusals start and end, not each one.
    let failing = false;

    /** What a refusal leads to: the next try after `waitMs`, or giving up. */
    const refused = (head: ProxyLaneHead, error: PushRefused) =>
      Effect.gen(function* () {
        stats.webhookRefused += 1;
        const now = yield* Clock.currentTimeMillis;
        yield* Ref.set(lastError, { date: Math.floor(now / 1000), message: error.message });
        const attempts = head.attempts + 1;
        const waitMs = error.retryAfter !== undefined ? error.retryAfter * 1000 : yield* backoffDelayMs(attempts, backoffCap);
        const id = head.update.update_id;
        const fields = { update_id: id, attempts, error: error.message, ...(error.detail ? { detail: error.detail } : {}) };
        if ((o.policy?.maxAttempts !== undefined && attempts >= o.policy.maxAttempts) || now + waitMs > head.queuedAt + retryMs) {
          stats.webhookGivenUp += 1;
          log.warn("gave up on an update the parallel system's webhook refused; going on with the next", fields);
          yield* store("remove an update", () => removeProxyUpdate(db, botId, id));
          return 0;
        }
        // Said once per outage, not per chat and retry: a webhook that is down refuses every chat.
        (failing ? log.debug : log.warn)("the parallel system's webhook did not accept an update; retrying", { ...fields, in_ms: waitMs });
        failing = true;
        yield* store("defer an update", () => deferProxyUpdate(db, botId, id, attempts, now + waitMs));
        return waitMs;
      });

    /** The webhook took an update: the method its answer named runs before the chat's next update (its outcome is nobody's business, as on Telegram). */
    const took = (update: Update, reply: WebhookReply | undefined) =>
      Effect.gen(function* () {
        stats.webhookDelivered += 1;
        if (failing) log.info("the parallel system's webhook takes updates again");
        failing = false;
        if (reply) {
          stats.webhookReplies += 1;
          yield* o.dispatch(reply);
        }
        yield* store("confirm an update", () => removeProxyUpdate(db, botId, update.update_id));
      });

    /** The lanes of one webhook. */
    const makeRun = (hook: ProxyWebhook) =>
      Effect.gen(function* () {
        // A set, not a map keyed by lane: a lane woken again must not cut short the fiber of its
        // previous turn, which may still be handing its slot to a waiting lane. `active` keeps
        // one fiber per lane, and is kept here so ending a lane and waking it never race.
        const lanes = yield* FiberSet.make();
        const parked = yield* FiberMap.make<string>();
        const active = new Set<string>();
        const waiting = new Set<string>();
        const again = new Set<string>();

        /** Ends the lane and wakes it after `ms` on the Clock. */
        const pause = (lane: string, ms: number) =>
          Effect.sync(() => void active.delete(lane)).pipe(
            Effect.zipRight(FiberMap.run(parked, lane, Effect.zipRight(Effect.sleep(Duration.millis(Math.max(1, ms))), wake(lane)))),
            Effect.as("parked" as const),
          );

        /** One update of a lane: "done" when the lane is empty, "parked" when it waits. */
        const turn = (lane: string): Effect.Effect<"done" | "parked" | "more", StoreError> =>
          Effect.gen(function* () {
            again.delete(lane);
            const head = yield* store("read the queue", () => proxyLaneHead(db, botId, lane));
            if (!head) {
              if (again.has(lane)) return "more";
              active.delete(lane);
              return "done";
            }
            const now = yield* Clock.currentTimeMillis;
            if (head.nextAt > now) return yield* pause(lane, head.nextAt - now);
            // A post may be cut short (another webhook, a stop); once answered, what the answer
            // means is carried out and recorded first, so an update taken is not posted again.
            const outcome = yield* Effect.uninterruptibleMask((restore) =>
              Effect.flatMap(Effect.either(restore(postUpdate(http, hook, JSON.stringify(head.update), timeout))), (taken) =>
                taken._tag === "Left" ? refused(head, taken.left) : Effect.as(took(head.update, taken.right), 0))
            );
            return outcome > 0 ? yield* pause(lane, outcome) : "more";
          });

        const lane = (name: string): Effect.Effect<void> =>
          Effect.gen(function* () {
            for (;;) {
              const step = yield* turn(name).pipe(
                // Nothing was removed: the head is tried again.
                Effect.catchAll((e) => Effect.sync(() => log.error("proxy webhook pusher: the store failed; retrying", { lane: name, error: e.message })).pipe(Effect.zipRight(pause(name, 1000)))),
              );
              if (step !== "more") break;
            }
            const next = waiting.values().next();
            if (!next.done) yield* start(next.value);
          });

        const start = (name: string): Effect.Effect<void> =>
          Effect.suspend(() => {
            waiting.delete(name);
            active.add(name);
            return FiberSet.run(lanes, lane(name)).pipe(Effect.asVoid);
          });

        function wake(name: string): Effect.Effect<void> {
          return Effect.suspend(() => {
            if (active.has(name)) return Effect.sync(() => void again.add(name));
            if (active.size >= hook.maxConnections) return Effect.sync(() => void waiting.add(name));
            return start(name);
          });
        }
        return wake;
      });

    // Lanes are woken from here, not by the callers of `queued` and `set` (the inbox's listener
    // runs outside this runtime, `set` in a request): a lane's fiber lives in the proxy's
    // context — its Clock, its scope.
    const arrivals = yield* Queue.unbounded<string>();
    yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.takeBetween(arrivals, 1, 1024), (names) =>
      Effect.flatMap(Ref.get(current), (run) => (run ? Effect.forEach(new Set(names), run.wake, { discard: true }) : Effect.void)))));

    const set = (hook: ProxyWebhook | undefined, fresh: boolean) =>
      switching.withPermits(1)(Effect.gen(function* () {
        const old = yield* Ref.getAndSet(current, undefined);
        if (old) yield* Scope.close(old.scope, Exit.void);
        yield* Ref.set(webhook, hook);
        if (fresh) {
          yield* Ref.set(lastError, undefined);
          yield* store("restart retries", () => restartProxyRetries(db, botId));
        }
        if (!hook) return;
        const now = yield* Clock.currentTimeMillis;
        yield* store("date old updates", () => dateUndatedProxyUpdates(db, botId, now));
        const scope = yield* Scope.fork(outer, ExecutionStrategy.sequential);
        const run: Run = { scope, wake: yield* makeRun(hook).pipe(Scope.extend(scope)) };
        // Announced before the queue is read: what is queued in between is woken twice at worst, never missed.
        yield* Ref.set(current, run);
        yield* Queue.offerAll(arrivals, yield* store("read the queue", () => proxyLanes(db, botId)));
      }));

    const sameHook = (a: ProxyWebhook | undefined, b: ProxyWebhook | undefined) =>
      a === b || (a !== undefined && b !== undefined && a.url === b.url && a.secret === b.secret && a.maxConnections === b.maxConnections);
    const reload = Effect.gen(function* () {
      const stored = yield* store("read the parallel system's webhook", () => loadProxyWebhook(db, botId));
      if (!sameHook(stored, yield* Ref.get(webhook))) {
        yield* Ref.set(lastError, undefined);
        // Reads the queue itself once the new lanes run.
        return yield* set(stored, false);
      }
      if (yield* Ref.get(current)) yield* Queue.offerAll(arrivals, yield* store("read the queue", () => proxyLanes(db, botId)));
    }).pipe(Effect.catchAll((e) => Effect.sync(() => log.warn("proxy webhook pusher: could not look at the store; the next notice or restart does", { error: e.message }))));

    return {
      webhook: Ref.get(webhook),
      lastError: Ref.get(lastError),
      set,
      reload,
      queued: (updates) => Effect.asVoid(Queue.offerAll(arrivals, updates.filter((u) => u.update_id > 0).map(laneOf))),
    } satisfies WebhookPusher;
  });
