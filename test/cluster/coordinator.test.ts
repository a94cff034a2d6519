/**
 * The lease logic of several instances on one store, on the TestClock and on every engine: two
 * coordinators share four bots evenly, a paused one's bots pass to the other once its leases
 * expire, and it stops them when it wakes; on PostgreSQL its writes are fenced meanwhile.
 */
import { Clock, Deferred, Effect, Exit, Fiber, Layer, Scope, TestClock, TestContext } from "effect";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { type Coordinator, runCoordinator, START_CONCURRENCY } from "../../src/cluster/coordinator.ts";
import { guardedClient } from "../../src/cluster/guard.ts";
import { withoutLiveness } from "../../src/cluster/liveness.ts";
import { pgNotifier } from "../../src/cluster/notify.ts";
import type { RunningBot } from "../../src/pipeline/bot.ts";
import { storeError } from "../../src/store/errors.ts";
import { acquireLeases, allInstances, allLeases, renewLeases } from "../../src/store/leases.ts";
import { Store, type StoreService } from "../../src/store/store.ts";
import type { TelegramClient } from "../../src/telegram/client.ts";
import { createLogger } from "../../src/util/log.ts";
import { databaseUrl, pgRelay } from "../support/pg-relay.ts";
import { storeLayerOn, testEngines } from "../store/with-store.ts";

const bots = ["b1", "b2", "b3", "b4"];
const settings = (instanceId: string) => ({ instanceId, host: "test", ttlMs: 5_000, renewMs: 1_000, callMarginMs: 1_000, pollTimeoutSeconds: 2, joinMs: 0 });

/** Waits (real time) for forked starts and stops to finish. */
const until = (done: () => boolean) =>
  Effect.promise(async () => {
    for (let i = 0; i < 2_000 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
    if (!done()) throw new Error("timed out");
  });

/** Instances A and B whose bot starts are recorded: which bots run where, and each start's store and guard clock. */
function recordedStarts() {
  const running = { A: new Set<string>(), B: new Set<string>() };
  const stores: Record<string, StoreService> = {};
  const guards: Record<string, { lastRenewedAt: number }> = {};
  const start = (who: "A" | "B") => (botId: string, botStore: StoreService, renewal: { lastRenewedAt: number }) =>
    Effect.gen(function* () {
      running[who].add(botId);
      stores[`${who}/${botId}`] = botStore;
      guards[`${who}/${botId}`] = renewal;
      yield* Effect.addFinalizer(() => Effect.sync(() => running[who].delete(botId)));
      return { id: botId } as unknown as RunningBot;
    });
  return { running, stores, guards, start };
}

describe.each(testEngines)("coordinator on %s", (engine) => {
  it("spreads bots evenly, passes a paused instance's bots on after the lease expires, and the paused one stops them", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* Store;
        const { running, stores, start } = recordedStarts();
        const log = createLogger("test", "error");
        const scopeA = yield* Scope.make();
        const a: Coordinator = yield* Scope.extend(runCoordinator({ store, settings: settings("A"), botIds: bots, log, startBot: start("A"), repeat: false }), scopeA);
        expect([...running.A].sort()).toEqual(bots);

        // B joins: half each, none twice.
        const scopeB = yield* Scope.make();
        const b: Coordinator = yield* Scope.extend(runCoordinator({ store, settings: settings("B"), botIds: bots, log, startBot: start("B"), repeat: false }), scopeB);
        expect(running.B.size).toBe(0);
        yield* a.tick;
        yield* until(() => running.A.size === 2 && a.stats.released === 2);
        yield* b.tick;
        yield* until(() => running.B.size === 2);
        expect([...running.A, ...running.B].sort()).toEqual(bots);
        expect(a.stats.released).toBe(2);

        // A pauses (no more rounds); B keeps renewing, and after the time to live takes A's bots.
        yield* TestClock.adjust(3_000);
        yield* b.tick;
        expect(running.B.size).toBe(2);
        yield* TestClock.adjust(2_500);
        yield* b.tick;
        yield* until(() => running.B.size === 4);
        const leases = yield* store.use((db) => allLeases(db));
        expect(new Set(leases.map((l) => l.owner))).toEqual(new Set(["B"]));

        // Still paused, A's bots try to write: on PostgreSQL the fence rolls it back.
        const stale = stores[`A/${[...running.A][0]}`];
        const write = yield* Effect.exit(stale.use((db) => db.insertInto("bot_state").values({ bot_id: "x", key: "k", value: "v" }).execute()));
        if (engine === "postgres") {
          expect(Exit.isFailure(write) && String(Exit.isFailure(write) ? write.cause : "")).toContain("is no longer held by this instance");
          expect(yield* store.use((db) => db.selectFrom("bot_state").selectAll().execute())).toEqual([]);
        }
        // A wakes: its renewal finds the leases gone and it stops the bots.
        yield* a.tick;
        yield* until(() => running.A.size === 0);
        expect(a.stats.lost).toBe(2);

        // B stops: every lease goes back at once.
        yield* Scope.close(scopeB, Exit.void);
        expect(running.B.size).toBe(0);
        expect((yield* store.use((db) => allLeases(db))).every((l) => l.owner === "")).toBe(true);
        yield* Scope.close(scopeA, Exit.void);
      }).pipe(Effect.provide(storeLayerOn(engine)), Effect.provide(TestContext.TestContext)),
    ));

  it("bots start in lanes; the ones handed over before their turn (another instance joined) never start here", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* Store;
        const log = createLogger("test", "error");
        const many = Array.from({ length: START_CONCURRENCY + 8 }, (_, i) => `m${i}`);
        const gate = yield* Deferred.make<void>();
        const startedA = new Set<string>();
        const runningB = new Set<string>();
        const scopeA = yield* Scope.make();
        // A, alone, takes every bot; the first lanes' starts hang (Telegram slow) until the gate opens.
        yield* Effect.forkDaemon(Scope.extend(runCoordinator({
          store, settings: settings("A"), botIds: many, log, startBot: (botId) =>
            Effect.gen(function* () {
              startedA.add(botId);
              yield* Deferred.await(gate);
              return { id: botId } as unknown as RunningBot;
            }),
        }), scopeA));
        yield* until(() => startedA.size === START_CONCURRENCY);
        const scopeB = yield* Scope.make();
        const b: Coordinator = yield* Scope.extend(runCoordinator({
          store, settings: settings("B"), botIds: many, log, repeat: false,
          startBot: (botId) => Effect.sync(() => (runningB.add(botId), { id: botId } as unknown as RunningBot)),
        }), scopeB);
        // A's next round sees B: it keeps half, and the 8 still waiting for a lane are among the
        // half it hands back (it starts the bots it prefers first).
        const before = (yield* store.use((db) => allInstances(db))).find((i) => i.instanceId === "A")!.heartbeatAt;
        yield* TestClock.adjust(1_000);
        yield* Effect.promise(async () => {
          for (let i = 0; i < 500 && (await allInstances(store.db)).find((r) => r.instanceId === "A")!.heartbeatAt === before; i++) await new Promise((r) => setTimeout(r, 10));
          await new Promise((r) => setTimeout(r, 200));
        });
        yield* Deferred.succeed(gate, undefined);
        // Every one handed back is released (the started ones after their pause): B takes them.
        yield* Effect.promise(async () => {
          for (let i = 0; i < 500; i++) {
            const leases = await allLeases(store.db);
            if (leases.filter((l) => l.owner === "A").length === many.length / 2) return;
            await new Promise((r) => setTimeout(r, 10));
          }
        });
        yield* b.tick;
        yield* until(() => runningB.size === many.length / 2);
        expect(startedA.size).toBe(START_CONCURRENCY);
        const owners = (yield* store.use((db) => allLeases(db))).map((l) => l.owner);
        expect(owners.filter((o) => o === "A")).toHaveLength(many.length / 2);
        expect(owners.filter((o) => o === "B")).toHaveLength(many.length / 2);
        yield* Scope.close(scopeB, Exit.void);
        yield* Scope.close(scopeA, Exit.void);
      }).pipe(Effect.provide(storeLayerOn(engine)), Effect.provide(TestContext.TestContext)),
    ));

  it("instances started together see each other before they take leases: none starts more than its share", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* Store;
        const log = createLogger("test", "error");
        const started = { A: new Set<string>(), B: new Set<string>() };
        const join = (who: "A" | "B") => Effect.gen(function* () {
          const scope = yield* Scope.make();
          const fiber = yield* Effect.fork(Scope.extend(runCoordinator({
            store, settings: { ...settings(who), joinMs: 1_500 }, botIds: bots, log, repeat: false,
            startBot: (botId) => Effect.sync(() => (started[who].add(botId), { id: botId } as unknown as RunningBot)),
          }), scope));
          return { scope, fiber };
        });
        const a = yield* join("A");
        const b = yield* join("B");
        // Both announced themselves and wait; nothing is taken yet.
        yield* Effect.promise(async () => {
          for (let i = 0; i < 500 && (await allInstances(store.db)).length < 2; i++) await new Promise((r) => setTimeout(r, 10));
        });
        expect(started.A.size + started.B.size).toBe(0);
        yield* TestClock.adjust(1_500);
        const ca = yield* Fiber.join(a.fiber);
        const cb = yield* Fiber.join(b.fiber);
        expect(started.A.size).toBeLessThanOrEqual(2);
        expect(started.B.size).toBeLessThanOrEqual(2);
        // Racing for the same leases, one may get fewer at first; the next rounds even it out.
        yield* ca.tick;
        yield* cb.tick;
        yield* until(() => started.A.size + started.B.size === 4);
        expect([...started.A, ...started.B].sort()).toEqual(bots);
        yield* Scope.close(b.scope, Exit.void);
        yield* Scope.close(a.scope, Exit.void);
      }).pipe(Effect.provide(storeLayerOn(engine)), Effect.provide(TestContext.TestContext)),
    ));

  it("a bot whose start fails because the store did is started later; one that fails for its own reasons fails the start-up", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* Store;
        const log = createLogger("test", "error");
        const running = new Set<string>();
        let storeDown = true;
        const scope = yield* Scope.make();
        const c: Coordinator = yield* Scope.extend(runCoordinator({
          store, settings: settings("A"), botIds: bots, log, repeat: false,
          startBot: (botId) => botId === "b2" && storeDown
            ? Effect.fail(storeError("read the polling offset", new Error("timeout exceeded when trying to connect")))
            : Effect.sync(() => (running.add(botId), { id: botId } as unknown as RunningBot)),
        }), scope);
        expect([...running].sort()).toEqual(["b1", "b3", "b4"]);
        // Its lease went back; after the cooldown it starts here.
        storeDown = false;
        yield* TestClock.adjust(31_000);
        yield* c.tick;
        yield* until(() => running.size === 4);
        yield* Scope.close(scope, Exit.void);

        const other = yield* Scope.make();
        const failed = yield* Effect.exit(Scope.extend(runCoordinator({
          store, settings: settings("B"), botIds: ["z1"], log, repeat: false,
          startBot: () => Effect.fail(new Error("401 Unauthorized: the bot token is wrong")),
        }), other));
        expect(Exit.isFailure(failed)).toBe(true);
        yield* Scope.close(other, Exit.void);
      }).pipe(Effect.provide(storeLayerOn(engine)), Effect.provide(TestContext.TestContext)),
    ));

  it("a paused owner's write cannot commit once the lease passed on, even one begun before", { skip: engine !== "postgres" }, () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* Store;
        const log = createLogger("test", "error");
        const stores: Record<string, StoreService> = {};
        const start = (who: string) => (botId: string, botStore: StoreService) =>
          Effect.sync(() => {
            stores[who] = botStore;
            return { id: botId } as unknown as RunningBot;
          });
        const scopeA = yield* Scope.make();
        yield* Scope.extend(runCoordinator({ store, settings: settings("A"), botIds: ["b1"], log, startBot: start("A"), repeat: false }), scopeA);
        // A transaction of the owner is open when its lease expires: B's takeover skips the lease
        // while it is open (the fence's row lock) and takes it at a later round, so the new owner
        // sees what the old one committed.
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        const inFlight = stores.A.db.transaction().execute(async (tx) => {
          await tx.insertInto("bot_state").values({ bot_id: "b1", key: "before", value: "A" }).execute();
          await held;
        });
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 100)));
        // Renewals do not queue behind it (a long transaction of one bot must not hold back the
        // renewal of all of the instance's leases): this would wait forever on a `for share` fence.
        const renewed = yield* Effect.promise(async () => renewLeases(store.db, "A", 100, 5_000));
        expect(renewed.map((l) => l.botId)).toEqual(["b1"]);
        yield* TestClock.adjust(6_000);
        const scopeB = yield* Scope.make();
        const b: Coordinator = yield* Scope.extend(runCoordinator({ store, settings: settings("B"), botIds: ["b1"], log, startBot: start("B"), repeat: false }), scopeB);
        expect(stores.B).toBeUndefined();
        expect(b.stats.acquired).toBe(0);
        release();
        yield* Effect.promise(() => inFlight);
        yield* b.tick;
        yield* until(() => stores.B !== undefined);
        // After the takeover, A's next write is refused.
        const after = yield* Effect.exit(stores.A.use((db) => db.insertInto("bot_state").values({ bot_id: "b1", key: "after", value: "A" }).execute()));
        expect(Exit.isFailure(after)).toBe(true);
        expect((yield* store.use((db) => db.selectFrom("bot_state").select("key").execute())).map((r) => r.key)).toEqual(["before"]);
        yield* Scope.close(scopeB, Exit.void);
        yield* Scope.close(scopeA, Exit.void);
      }).pipe(Effect.provide(storeLayerOn(engine)), Effect.provide(TestContext.TestContext)),
    ));
});

describe("guarded client", () => {
  it("refuses calls once the last renewal is older than the time to live less the margin, and shortens long polls that would outlive it", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const calls: string[] = [];
        const inner = {
          apiRoot: "x",
          call: (method: string, params?: { timeout?: number }) => Effect.sync(() => calls.push(params?.timeout === undefined ? method : `${method} ${params.timeout}`)),
          upload: () => Effect.die("no"),
        } as unknown as TelegramClient;
        const renewal = { lastRenewedAt: 0 };
        const client = guardedClient(inner, renewal, 5_000, 2_000);
        yield* client.call("getMe");
        yield* client.call("getUpdates", { timeout: 2 });
        yield* TestClock.adjust(1_500);
        // 1.5 s + a 2 s poll would end past 3 s: the poll waits 1 s only; a plain call goes as it is.
        yield* client.call("getUpdates", { timeout: 2 });
        yield* client.call("sendMessage", { chat_id: 1, text: "x" });
        yield* TestClock.adjust(1_500);
        expect(Exit.isFailure(yield* Effect.exit(client.call("sendMessage", { chat_id: 1, text: "x" })))).toBe(true);
        expect(Exit.isFailure(yield* Effect.exit(client.call("getUpdates", { timeout: 2 })))).toBe(true);
        renewal.lastRenewedAt = 3_000;
        yield* client.call("sendMessage", { chat_id: 1, text: "x" });
        expect(Exit.isFailure(yield* Effect.exit(client.call("getUpdates", { timeout: 2 })))).toBe(false);
        expect(calls).toEqual(["getMe", "getUpdates 2", "getUpdates 1", "sendMessage", "sendMessage", "getUpdates 2"]);
      }).pipe(Effect.provide(TestContext.TestContext)),
    ));
});

describe("hand-over notice on PostgreSQL", () => {
  it("an instance that stops tells the others, which take its bots at once, not at their next round", () =>
    Effect.runPromise(
      Effect.scoped(Effect.gen(function* () {
        const store = yield* Store;
        const url = yield* databaseUrl(store.db);
        const log = createLogger("test", "error");
        const { running, start } = recordedStarts();
        // Rounds repeat once a minute (on the TestClock, which stays put): only a notice can move a lease in time.
        const slow = (id: string) => ({ ...settings(id), renewMs: 60_000 });
        const scopeA = yield* Scope.make();
        yield* Scope.extend(runCoordinator({ store, settings: slow("A"), botIds: bots, log, startBot: start("A"), notifier: yield* pgNotifier(url.href, store.db, log) }), scopeA);
        const b = yield* runCoordinator({ store, settings: slow("B"), botIds: bots, log, startBot: start("B"), notifier: yield* pgNotifier(url.href, store.db, log) });
        // B listens once its first notice gets through (its connection opens in the background).
        yield* until(() => b.stats.renewals >= 1);
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 500)));
        // Usually A still has all four. But A's own listening connection also opens in the
        // background, and when it comes up A runs a round to catch what it missed: on a busy
        // machine that is after B joined, so A hands B its half at once (by the same notice).
        yield* until(() => running.A.size + running.B.size === 4);
        expect(running.A.size).toBeGreaterThanOrEqual(2);
        const before = b.stats.renewals;
        yield* Scope.close(scopeA, Exit.void);
        expect(running.A.size).toBe(0);
        yield* until(() => running.B.size === 4);
        expect(b.stats.renewals).toBeGreaterThan(before);
        expect(b.stats.acquired).toBe(4);
      }).pipe(Effect.provide(Layer.merge(storeLayerOn("postgres"), TestContext.TestContext)))),
    ), 30_000);
});

describe("liveness lock on PostgreSQL", () => {
  it("a dead instance's bots are taken over before its leases expire; a paused one's, or one that lost only its lock connection, are not", () =>
    Effect.runPromise(
      Effect.scoped(Effect.gen(function* () {
        const store = yield* Store;
        const url = yield* databaseUrl(store.db);
        const log = createLogger("test", "error");
        const { running, guards, start } = recordedStarts();
        const health = { everyMs: 200, timeoutMs: 500 };
        // A's lock connection goes through a relay: shutting it is what its process dying does to the connection.
        const relay = yield* pgRelay(store.db);
        const a = yield* runCoordinator({ store, settings: settings("A"), botIds: bots, log, startBot: start("A"), repeat: false, liveness: { url: relay.url, health } });
        const b = yield* runCoordinator({ store, settings: settings("B"), botIds: bots, log, startBot: start("B"), repeat: false, liveness: { url: url.href, health } });
        yield* a.tick;
        yield* until(() => running.A.size === 2 && a.stats.released === 2);
        yield* b.tick;
        yield* until(() => running.B.size === 2);
        /** Waits (real time) until `count` of `ids` hold no liveness lock. */
        const lockless = (ids: string[], count: number) => Effect.gen(function* () {
          for (let i = 0; i < 500; i++) {
            if ((yield* store.use((db) => withoutLiveness(db, ids))).length === count) return;
            yield* Effect.promise(() => new Promise((r) => setTimeout(r, 20)));
          }
          return yield* Effect.die(new Error("timed out waiting for the liveness locks"));
        });
        // Both hold their locks once their connections are up (in the background, real time).
        yield* lockless(["A", "B"], 0);

        // Paused: A renews nothing for 4.5 s (past ttl − margin), but its process (and its lock) is there: B waits for the leases to expire.
        yield* TestClock.adjust(4_500);
        yield* b.tick;
        // (Starts are forked: what B took shows in its count at once, in `running` a moment later.)
        expect(b.stats.acquired).toBe(2);
        yield* a.tick;

        // A's lock connection is cut and cannot come back, while A itself still renews: not dead.
        relay.shut();
        const guardsOfA = () => [...running.A].map((botId) => guards[`A/${botId}`].lastRenewedAt);
        yield* until(() => guardsOfA().every((t) => t === Number.MIN_SAFE_INTEGER));
        yield* lockless(["A"], 1);
        yield* TestClock.adjust(1_000);
        yield* a.tick;
        yield* b.tick;
        expect(b.stats.acquired).toBe(2);
        // A's renewal opened its guards again.
        expect(guardsOfA().every((t) => t > 0)).toBe(true);
        // A verdict formed before a renewal does not take a lease renewed since.
        const now = yield* Clock.currentTimeMillis;
        expect(yield* store.use((db) => acquireLeases(db, bots, "B", now, 5_000, { ids: ["A"], silentMs: 4_000 }))).toEqual([]);

        // A dies: no lock; 3 s later its guard would still allow calls (ttl − margin = 4 s here): B waits.
        yield* TestClock.adjust(3_000);
        yield* b.tick;
        expect(b.stats.acquired).toBe(2);
        // At 4 s its guard has stopped its calls: B takes its bots then, not at the leases' expiry (5 s).
        yield* TestClock.adjust(1_000);
        yield* b.tick;
        yield* until(() => running.B.size === 4);
        expect(b.stats.acquired).toBe(4);
        expect(new Set((yield* store.use((db) => allLeases(db))).map((l) => l.owner))).toEqual(new Set(["B"]));
      })).pipe(Effect.provide(Layer.merge(storeLayerOn("postgres"), TestContext.TestContext)))),
    30_000);
});
