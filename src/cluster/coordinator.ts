/**
 * One instance's share of a deployment of several on one PostgreSQL store: every `renewMs` it
 * writes its heartbeat and renews all its leases in one statement, stops the bots whose lease
 * was taken over, and rebalances: each live instance wants ceil(bots / live instances), takes
 * free or expired leases up to that and releases what it holds beyond it. A bot runs in a Scope
 * of its own, on a fenced store handle (store/fencing.ts) and a guarded Bot API client
 * (guard.ts). Closing the coordinator's Scope stops its bots and releases their leases, so the
 * other instances take them at their next renewal.
 */
import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Fiber from "effect/Fiber";
import * as Runtime from "effect/Runtime";
import * as Schedule from "effect/Schedule";
import * as Scope from "effect/Scope";
import type { RunningBot } from "../pipeline/bot.ts";
import {
  acquireLeases, ensureLeaseRows, forgetInstance, freeLeases, type HeldLease, heartbeat, type InstanceRow, leaseFence, liveInstances, pruneInstances, releaseLease, releaseLeases,
  renewLeases,
} from "../store/leases.ts";
import { StoreError, storeError } from "../store/errors.ts";
import { query, type StoreService } from "../store/store.ts";
import type { Logger } from "../util/log.ts";
import type { RenewalClock } from "./guard.ts";
import type { ConnectionHealth } from "./kept-connection.ts";
import { holdLiveness, withoutLiveness } from "./liveness.ts";
import { LEASES_RELEASED, type Notifier } from "./notify.ts";
import type { ClusterSettings } from "./settings.ts";
import { realClock } from "../util/real-clock.ts";

/** What the coordinator needs. */
export interface CoordinatorOptions {
  /** The store, unfenced; the bots' fenced handles are made on it. */
  readonly store: StoreService;
  /**
   * Where lease statements go (default `store.db`): a connection pool of their own in production,
   * so renewals never queue behind the bots' transactions on a busy store and let a lease expire.
   */
  readonly leaseDb?: StoreService["db"];
  readonly settings: ClusterSettings;
  /** Every bot of the config, in config order. */
  readonly botIds: readonly string[];
  readonly log: Logger;
  /**
   * Starts one bot in the current Scope, on `store` (fenced by its lease) and with `renewal` for its
   * client's guard. `takeover`: the lease was taken after the instance's first round (another
   * instance ran the bot until just now), not at start-up (pipeline/bot.ts `takeover`).
   */
  startBot(botId: string, store: StoreService, renewal: RenewalClock, takeover: boolean): Effect.Effect<RunningBot, unknown, Scope.Scope>;
  /** Whether rounds repeat every `renewMs` by themselves (default); tests of the lease logic step `tick` instead. */
  readonly repeat?: boolean;
  /**
   * Wake-ups between instances: an instance that gives leases back says so, and the others run
   * a round at once instead of at their next renewal (a SIGTERM's hand-over in ~0.5 s, not up to 1.5 s).
   */
  readonly notifier?: Notifier;
  /**
   * PostgreSQL: the instance holds its liveness lock on a connection of its own (liveness.ts),
   * and takes the leases of an instance found dead (lock free, heartbeat ttl − margin old) at
   * once instead of after they expire.
   */
  readonly liveness?: { readonly url: string; readonly health?: ConnectionHealth };
}

/** What a running coordinator offers. */
export interface Coordinator {
  /** The bots running here now (changes as leases move). */
  readonly running: readonly RunningBot[];
  /** The bots whose lease this instance holds (starting, running or stopping). */
  readonly owned: readonly string[];
  readonly renewal: RenewalClock;
  /** Counters since start: renewals (statements), leases acquired, lost (taken over) and released. */
  readonly stats: { renewals: number; acquired: number; lost: number; released: number };
  /** One round now (tests on the TestClock step it; the loop runs it every `renewMs`). */
  readonly tick: Effect.Effect<void>;
}

interface Owned {
  readonly lease: HeldLease;
  /** When this bot's lease was last renewed: its client's guard reads it (−∞ once lost). */
  readonly renewal: { lastRenewedAt: number };
  readonly scope: Scope.CloseableScope;
  state: "starting" | "running" | "stopping";
  bot?: RunningBot;
  /** A stop asked for while the bot was still starting: done once it has started. */
  stopAfterStart?: { release: boolean };
}


/** How long a stopped bot's lease is kept before it is released (see `stopOne`). */
const RELEASE_PAUSE_MS = 300;

/** A start that fails is not retried here for this long: another instance may try it meanwhile. */
const START_COOLDOWN_MS = 30_000;

/**
 * Bots starting at once (each connects to Telegram, reads its state, starts its fibers). An
 * instance that takes hundreds of leases (alone at first, or after a crash of another) starts
 * them in this many lanes (more would flood the event loop and delay the lease renewals that
 * every call of the running bots waits for); the ones still waiting when the instance hands them over again (the
 * other instances joined meanwhile) are never started at all.
 */
export const START_CONCURRENCY = 8;

/**
 * Runs the coordinator in the current Scope. Resolves after its first round's bots started (or
 * fails with the first one's start error, as a single instance fails when a bot cannot start;
 * a start that failed because the store did is retried later instead).
 */
export const runCoordinator = (o: CoordinatorOptions): Effect.Effect<Coordinator, unknown, Scope.Scope> =>
  Effect.gen(function* () {
    const { store, settings, log } = o;
    const me = settings.instanceId;
    const leaseDb = o.leaseDb ?? store.db;
    // A statement that hangs (a connection cut without a word) must not freeze the rounds: the
    // next round takes another connection of the pool.
    const use = <A>(doing: string, f: (db: StoreService["db"]) => Promise<A>) =>
      query(doing, () => f(leaseDb)).pipe(
        Effect.timeoutFail({ duration: settings.ttlMs, onTimeout: () => storeError(doing, new Error(`no answer in ${settings.ttlMs} ms`)) }),
        // Real time, as for network calls (client.ts): a TestClock moved ahead must not cut a statement in flight.
        Effect.withClock(realClock),
      );
    const owned = new Map<string, Owned>();
    const running: RunningBot[] = [];
    const cooldown = new Map<string, number>();
    const stats = { renewals: 0, acquired: 0, lost: 0, released: 0 };
    const renewal = { lastRenewedAt: yield* Clock.currentTimeMillis };
    let closing = false;
    let rounds = 0;
    // Starts of the first round are start-up's (a wrong token fails it); later ones are takeovers.
    let startedUp = false;
    // Each instance prefers different bots, so racing instances rarely want the same lease.
    const preference = (botId: string) => hash(`${me}/${botId}`);
    const runtime = yield* Effect.runtime<never>();
    const coordinatorScope = yield* Effect.scope;
    const startLanes = yield* Effect.makeSemaphore(START_CONCURRENCY);

    yield* use("create the leases", (db) => ensureLeaseRows(db, o.botIds));

    // The lock connection dropped: no Bot API call until the next renewal. Safety does not rest on
    // it (others take this instance for dead only once its guard has stopped its calls anyway,
    // `deadAfterMs`); it keeps a lockless instance quiet while its store is out of reach too.
    // −∞ stays: that bot's lease is lost already.
    const closeGuards = () => {
      for (const entry of owned.values()) {
        if (entry.renewal.lastRenewedAt !== Number.NEGATIVE_INFINITY) entry.renewal.lastRenewedAt = Number.MIN_SAFE_INTEGER;
      }
    };
    if (o.liveness) yield* holdLiveness(o.liveness.url, me, log, closeGuards, o.liveness.health);
    // Dead only once its own guard has stopped its calls (no renewal for ttl − margin, by its
    // clock): then taking its leases is as safe as after expiry, whatever became of its lock
    // connection — the free lock only says the margin (skew, network) is not needed.
    const deadAfterMs = settings.ttlMs - settings.callMarginMs;
    // The dead of the last round: a death is logged once, and again after the instance came back.
    let reportedDead = new Set<string>();
    /** Instances among `live` whose process is gone (liveness.ts): their leases need not expire first. */
    const deadAmong = (live: readonly InstanceRow[], now: number): Effect.Effect<string[]> => {
      const stale = live.filter((i) => i.instanceId !== me && now - i.heartbeatAt >= deadAfterMs).map((i) => i.instanceId);
      const found = !o.liveness || stale.length === 0
        ? Effect.succeed<string[]>([])
        // Not knowing is not dead: its leases expire as usual.
        : use("look for dead instances", (db) => withoutLiveness(db, stale)).pipe(Effect.orElseSucceed((): string[] => []));
      return Effect.tap(found, (dead) => Effect.sync(() => {
        for (const id of dead) if (!reportedDead.has(id)) log.warn("an instance is gone (its liveness lock is free): taking its bots over now", { instance: id });
        reportedDead = new Set(dead);
      }));
    };

    /** Stops a bot here; returns its lease when it was running (undefined when it was not, or is still starting). */
    const stopOne = (botId: string, release: boolean): Effect.Effect<HeldLease | undefined> =>
      Effect.gen(function* () {
        const entry = owned.get(botId);
        if (!entry || entry.state === "stopping") return undefined;
        if (entry.state === "starting") {
          entry.stopAfterStart = { release: release && (entry.stopAfterStart?.release ?? true) };
          return undefined;
        }
        entry.state = "stopping";
        if (entry.bot) running.splice(running.indexOf(entry.bot), 1);
        yield* Scope.close(entry.scope, Exit.void);
        owned.delete(botId);
        return entry.lease;
      });

    /**
     * Stops bots here and gives their leases back in one statement, so the others take them at
     * their next round (SIGTERM: within the 2 s the issue allows, however many bots).
     */
    const handOver = (botIds: readonly string[]): Effect.Effect<void> =>
      Effect.gen(function* () {
        const stopped = (yield* Effect.forEach(botIds, (botId) => stopOne(botId, true), { concurrency: "unbounded" })).filter((l) => l !== undefined);
        if (stopped.length === 0) return;
        // The bots' long polls were cut when their Scopes closed; Telegram notices the closed
        // connections a moment later. Until then another instance's first calls would overlap them.
        yield* Effect.sleep(RELEASE_PAUSE_MS).pipe(Effect.withClock(realClock));
        const now = yield* Clock.currentTimeMillis;
        yield* use("release leases", (db) => releaseLeases(db, stopped, me, now)).pipe(
          Effect.tap(() => Effect.sync(() => (stats.released += stopped.length))),
          Effect.catchAll((e) => Effect.sync(() => log.warn("could not release leases; they expire by themselves", { bots: stopped.length, error: e.message }))),
        );
        for (const lease of stopped) log.info("bot handed over", { bot: lease.botId, token: lease.token });
      });

    /** Tells the other instances that leases came free, so they take them now. */
    const leasesReleased = o.notifier?.publish("leases", LEASES_RELEASED) ?? Effect.void;

    // The fence found the lease gone: stop at once rather than at the next renewal.
    const lost = (botId: string) => {
      const entry = owned.get(botId);
      // Once per lease: every write a starting bot tries meets the fence again until it stops.
      if (!entry || entry.state === "stopping" || entry.renewal.lastRenewedAt === Number.NEGATIVE_INFINITY) return;
      stats.lost++;
      // Not one more call: the guard closes before the bot's Scope is.
      entry.renewal.lastRenewedAt = Number.NEGATIVE_INFINITY;
      log.warn("lease lost: another instance owns this bot now; stopping it here", { bot: botId, token: entry.lease.token });
      Runtime.runFork(runtime)(Effect.asVoid(stopOne(botId, false)));
    };

    const startOne = (botId: string, token: number, takeover: boolean): Effect.Effect<void, unknown> =>
      Effect.gen(function* () {
        const lease = { botId, token };
        const scope = yield* Scope.make();
        const entry: Owned = { lease, scope, state: "starting", renewal: { lastRenewedAt: yield* Clock.currentTimeMillis } };
        owned.set(botId, entry);
        // SQLite has no fence (one instance per file): the lease logic runs, unfenced, in tests.
        const db = store.dialect.fenced ? store.dialect.fenced(store.db, leaseFence(lease, me, () => lost(botId))) : store.db;
        const fencedStore: StoreService = { db, dialect: store.dialect, use: (f) => query("a query", () => f(db)) };
        const abandon = Effect.zipRight(Scope.close(scope, Exit.void), Effect.sync(() => owned.delete(botId)));
        yield* startLanes.take(1).pipe(Effect.onInterrupt(() => abandon));
        // Handed over (or lost) while it waited for a lane: it never starts here.
        if (entry.stopAfterStart || closing) {
          yield* startLanes.release(1);
          entry.state = "stopping";
          yield* Scope.close(scope, Exit.void);
          owned.delete(botId);
          if (entry.stopAfterStart?.release !== false && entry.renewal.lastRenewedAt !== Number.NEGATIVE_INFINITY) {
            const now = yield* Clock.currentTimeMillis;
            yield* use("release a lease", (db) => releaseLease(db, lease, me, now)).pipe(Effect.tap(() => Effect.sync(() => stats.released++)), Effect.ignore);
          }
          return;
        }
        const started = yield* Effect.exit(Scope.extend(o.startBot(botId, fencedStore, entry.renewal, takeover), scope)).pipe(
          Effect.ensuring(startLanes.release(1)),
          // Shut down while connecting: the half-started bot is stopped all the same.
          Effect.onInterrupt(() => abandon),
        );
        if (Exit.isFailure(started)) {
          entry.state = "stopping";
          yield* Scope.close(scope, started);
          owned.delete(botId);
          cooldown.set(botId, (yield* Clock.currentTimeMillis) + START_COOLDOWN_MS);
          const now = yield* Clock.currentTimeMillis;
          yield* use("release a lease", (db) => releaseLease(db, lease, me, now)).pipe(Effect.ignore);
          return yield* Effect.failCause(started.cause);
        }
        entry.bot = started.value;
        entry.state = "running";
        running.push(started.value);
        log.info("bot taken over", { bot: botId, token });
        // Asked for while it started (the check above saw none).
        const pending = (entry as Owned).stopAfterStart;
        if (pending) yield* (pending.release ? handOver([botId]) : Effect.asVoid(stopOne(botId, false)));
      });

    /** One round; returns the starts it began (forked, so renewals go on while bots connect). */
    const round = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis;
      const renewed = yield* use("renew the leases", async (db) => {
        await heartbeat(db, { instanceId: me, host: settings.host }, now);
        return renewLeases(db, me, now, settings.ttlMs);
      }).pipe(Effect.either);
      if (renewed._tag === "Left") {
        log.warn("could not renew the leases", { error: renewed.left.message });
        // The leases may pass on at lastRenewedAt + ttl; the guard already stopped the calls.
        if (now - renewal.lastRenewedAt >= settings.ttlMs - settings.callMarginMs) {
          for (const botId of [...owned.keys()]) yield* Effect.forkIn(stopOne(botId, false), coordinatorScope);
        }
        return [];
      }
      renewal.lastRenewedAt = now;
      stats.renewals++;
      const held = new Map(renewed.right.map((l) => [l.botId, l.token]));
      for (const [botId, entry] of owned) {
        if (held.get(botId) === entry.lease.token) entry.renewal.lastRenewedAt = now;
        else if (entry.state !== "stopping") lost(botId);
      }
      // Held in the store but not running here (a start that failed half-way): give it back.
      for (const [botId, token] of held) {
        if (!owned.has(botId)) yield* use("release a lease", (db) => releaseLease(db, { botId, token }, me, now)).pipe(Effect.ignore);
      }
      if (closing) return [];
      if (++rounds % 600 === 0) yield* use("prune instances", (db) => pruneInstances(db, now - 24 * 3600_000)).pipe(Effect.ignore);

      const recent = yield* use("count the instances", (db) => liveInstances(db, now - settings.ttlMs));
      const dead = yield* deadAmong(recent, now);
      const live = recent.filter((i) => !dead.includes(i.instanceId));
      const share = Math.ceil(o.botIds.length / Math.max(1, live.length));
      const active = [...owned.entries()].filter(([, e]) => e.state !== "stopping").map(([id]) => id);
      if (active.length > share) {
        const extras = active.sort((a, b) => preference(a) - preference(b)).slice(share);
        yield* Effect.forkIn(Effect.zipRight(handOver(extras), leasesReleased), coordinatorScope);
        return [];
      }
      if (active.length === share) return [];
      const deadOwners = { ids: dead, silentMs: deadAfterMs };
      const free = (yield* use("list free leases", (db) => freeLeases(db, o.botIds, now, deadOwners)))
        .filter((id) => !owned.has(id) && (cooldown.get(id) ?? 0) <= now)
        .sort((a, b) => preference(a) - preference(b));
      // One statement for all of them; those another instance took first come at a later round.
      const taken = yield* use("acquire leases", (db) => acquireLeases(db, free.slice(0, share - active.length), me, now, settings.ttlMs, deadOwners));
      stats.acquired += taken.length;
      const starts: Fiber.RuntimeFiber<void, unknown>[] = [];
      // In order of preference: the bots this instance would keep start first, the ones it would
      // hand back first (more instances joined meanwhile) wait for a lane longest.
      for (const { botId, token } of taken.sort((x, y) => preference(x.botId) - preference(y.botId))) {
        starts.push(yield* Effect.forkIn(startOne(botId, token, startedUp).pipe(Effect.tapErrorCause((cause) =>
          Effect.sync(() => log.error("a bot could not start here; another instance may take it", { bot: botId, cause: String(cause) })))), coordinatorScope));
      }
      return starts;
    });

    // Starts are not waited for: renewals must go on while bots connect.
    const unlockedTick = Effect.gen(function* () {
      // Real time: a slow round brings the bots' calls near the guard's limit; say so (a starved
      // process, a slow store). The round itself runs on the leases' Clock.
      const began = yield* realClock.currentTimeMillis;
      yield* round;
      const took = (yield* realClock.currentTimeMillis) - began;
      if (took > settings.renewMs) log.warn("a lease round took longer than the renewal period", { took_ms: took, renew_ms: settings.renewMs });
    }).pipe(
      Effect.catchAllCause((cause) => Effect.sync(() => log.error("lease round failed; will retry", { cause: String(cause) }))),
    );
    // Rounds never run twice at once: the loop's and those that notices ask for take turns.
    const roundLock = yield* Effect.makeSemaphore(1);
    let roundAsked = false;
    const tick = roundLock.withPermits(1)(Effect.zipRight(Effect.sync(() => (roundAsked = false)), unlockedTick));

    // On close: no more takeovers, then every bot stops and its lease goes back at once.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        closing = true;
        yield* handOver([...owned.keys()]);
        yield* use("forget the instance", (db) => forgetInstance(db, me)).pipe(Effect.ignore);
        // After forgetting this instance: the others' rounds count it gone and take all it had.
        yield* leasesReleased;
      }));

    // Instances started together (a deployment) see each other before they take leases: without
    // this pause the first one up would take every bot, start them, and hand two thirds back.
    if (settings.joinMs > 0) {
      yield* use("write the heartbeat", (db) => heartbeat(db, { instanceId: me, host: settings.host }, renewal.lastRenewedAt));
      yield* Effect.sleep(settings.joinMs);
    }
    // The first round's starts are awaited: a bot that cannot start fails the start-up.
    const first = yield* round;
    startedUp = true;
    // Repeated rounds keep going while the first starts connect; they are never run twice at once.
    // Every `renewMs` from the start of the last (not from its end): a round slowed by a busy
    // process (hundreds of bots starting) must not push the next renewal towards the guard's limit.
    if (o.repeat !== false) yield* Effect.forkScoped(Effect.repeat(tick, Schedule.fixed(settings.renewMs)).pipe(Effect.delay(settings.renewMs)));
    // Leases given back elsewhere: one more round now (several notices meanwhile make one).
    if (o.notifier && o.repeat !== false) {
      const runNow = Runtime.runFork(runtime);
      yield* o.notifier.subscribe("leases", LEASES_RELEASED, () => {
        if (closing || roundAsked) return;
        roundAsked = true;
        runNow(Effect.forkIn(tick, coordinatorScope));
      });
    }
    // …but not for the store failing under load (a connection not free in time, hundreds of bots
    // starting): that bot's lease went back and it starts later, here or elsewhere, while the
    // instance keeps the others. A bot that cannot start for its own reasons (a wrong token) still
    // fails the start-up.
    yield* Effect.forEach(first, (f) => Fiber.join(f).pipe(Effect.catchIf(isStoreError, () => Effect.void)), { discard: true });
    log.info(`instance ${me}: ${running.length} of ${o.botIds.length} bot(s) here`);

    return {
      get running() {
        return running;
      },
      get owned() {
        return [...owned.keys()];
      },
      renewal,
      stats,
      tick,
    } satisfies Coordinator;
  });

/** Whether a start failed because the store did (transient), not the bot. */
const isStoreError = (e: unknown): boolean => e instanceof StoreError || (typeof e === "object" && e !== null && (e as { _tag?: unknown })._tag === "StoreError");

/** A small stable hash (FNV-1a) of a string. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
