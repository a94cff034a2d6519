/**
 * Wake-ups between instances (cluster/notify.ts, cluster/wake.ts): an owner's processor is woken
 * by a notice for its bot and, as the fallback, by the slow re-check on the TestClock; on the real
 * PostgreSQL server a notice published through one store reaches the subscribers of another
 * instance's listener, and a listener whose connection was cut comes back and wakes everyone.
 */
import { Effect, Exit, Scope, TestClock, TestContext } from "effect";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { type Notifier, pgNotifier, type Purpose } from "../../src/cluster/notify.ts";
import { wakeOnNotify } from "../../src/cluster/wake.ts";
import { Store } from "../../src/store/store.ts";
import { createLogger } from "../../src/util/log.ts";
import { databaseUrl, pgRelay } from "../support/pg-relay.ts";
import { storeLayerOn } from "../store/with-store.ts";

/** A notifier whose notices the test sends. */
function manualNotifier() {
  const subscribers: { purpose: Purpose; botId: string; wake: () => void }[] = [];
  const notifier: Notifier = {
    publish: () => Effect.void,
    subscribe: (purpose, botId, wake) =>
      Effect.acquireRelease(Effect.sync(() => subscribers.push({ purpose, botId, wake })), () => Effect.sync(() => void subscribers.splice(0))),
  };
  const notice = (purpose: Purpose, botId: string) => subscribers.filter((s) => s.purpose === purpose && s.botId === botId).forEach((s) => s.wake());
  return { notifier, notice, subscribers };
}

/** Waits (real time) until `done`. */
const until = (done: () => boolean, what: string) =>
  Effect.promise(async () => {
    for (let i = 0; i < 1_000 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
    if (!done()) throw new Error(`timed out waiting for ${what}`);
  });

describe("wakeOnNotify", () => {
  it("wakes the processor once on subscribing, on a notice for its bot, not for another, and on the slow re-check of the Clock", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const { notifier, notice } = manualNotifier();
        let wakes = 0;
        const scope = yield* Scope.make();
        // A notice sent before the bot subscribed (it was still starting, as after a takeover)
        // reaches no one: the look on subscribing finds what it announced.
        notice("inbox", "acme");
        yield* Scope.extend(wakeOnNotify(notifier, "acme", { wake: Effect.sync(() => void wakes++) }, "30 seconds"), scope);
        expect(wakes).toBe(1);
        notice("inbox", "acme");
        yield* until(() => wakes === 2, "the notice's wake-up");
        notice("inbox", "other");
        notice("proxy", "acme");
        yield* TestClock.adjust("29 seconds");
        expect(wakes).toBe(2);
        // A notice lost (the listening connection was down): the re-check wakes it anyway.
        yield* TestClock.adjust("1 second");
        yield* until(() => wakes === 3, "the re-check");
        yield* TestClock.adjust("30 seconds");
        yield* until(() => wakes === 4, "the next re-check");
        // Stopped with the bot: no more wake-ups.
        yield* Scope.close(scope, Exit.void);
        notice("inbox", "acme");
        yield* TestClock.adjust("60 seconds");
        expect(wakes).toBe(4);
      }).pipe(Effect.provide(TestContext.TestContext)),
    ));
});

describe("pgNotifier on PostgreSQL", () => {
  it("delivers a notice published through the store to the subscribers of another listener, and after its connection was cut wakes every subscriber and listens again", () =>
    Effect.runPromise(
      Effect.scoped(Effect.gen(function* () {
        const { db } = yield* Store;
        const adminUrl = yield* databaseUrl(db);
        const log = createLogger("test", "error");
        const listener = yield* pgNotifier(adminUrl.href, db, log);
        const publisher = yield* pgNotifier(adminUrl.href, db, log);
        const woken: string[] = [];
        yield* listener.subscribe("inbox", "acme", () => woken.push("inbox/acme"));
        yield* listener.subscribe("proxy", "acme", () => woken.push("proxy/acme"));
        yield* listener.subscribe("inbox", "beta", () => woken.push("inbox/beta"));
        // Listening once a notice gets through (the first connection also wakes every subscriber once).
        for (let i = 0; i < 100 && !woken.includes("inbox/beta"); i++) {
          yield* publisher.publish("inbox", "beta");
          yield* Effect.promise(() => new Promise((r) => setTimeout(r, 50)));
        }
        yield* until(() => woken.includes("inbox/beta"), "the listener listening");
        woken.length = 0;
        yield* publisher.publish("inbox", "acme");
        yield* until(() => woken.includes("inbox/acme"), "the notice");
        expect(woken).toEqual(["inbox/acme"]);
        yield* publisher.publish("proxy", "acme");
        yield* until(() => woken.includes("proxy/acme"), "the proxy notice");
        woken.length = 0;
        // The server ends the listening connection: after a second it is back, and every subscriber looks once.
        yield* Effect.promise(() => sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'switchboard-listen' and datname = current_database()`.execute(db));
        yield* until(() => ["inbox/acme", "proxy/acme", "inbox/beta"].every((w) => woken.includes(w)), "every subscriber woken after the reconnection");
        woken.length = 0;
        yield* publisher.publish("inbox", "beta");
        yield* until(() => woken.includes("inbox/beta"), "a notice after the reconnection");
      })).pipe(Effect.provide(storeLayerOn("postgres"))),
    ), 30_000);

  it("finds a listening connection that stopped answering (half-open) by its health query, opens it again and wakes every subscriber", () =>
    Effect.runPromise(
      Effect.scoped(Effect.gen(function* () {
        const { db } = yield* Store;
        // A relay that can stall its open connections: they stay open and carry nothing, as a dead peer's.
        const relay = yield* pgRelay(db);
        const listener = yield* pgNotifier(relay.url, db, createLogger("test", "error"), { everyMs: 200, timeoutMs: 500 });
        const woken: string[] = [];
        yield* listener.subscribe("inbox", "acme", () => woken.push("inbox/acme"));
        yield* until(() => woken.length > 0, "the first connection");
        woken.length = 0;
        relay.stall();
        // No end, no error from the socket: only the health query notices.
        yield* until(() => woken.includes("inbox/acme"), "every subscriber woken after the stalled connection was replaced");
        woken.length = 0;
        yield* listener.publish("inbox", "acme");
        yield* until(() => woken.includes("inbox/acme"), "a notice on the new connection");
      })).pipe(Effect.provide(storeLayerOn("postgres"))),
    ), 30_000);
});
