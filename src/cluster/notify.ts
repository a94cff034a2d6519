/**
 * Wake-ups between instances on PostgreSQL: LISTEN/NOTIFY. An instance that stored something for
 * a bot it does not own (a webhook update, an intercepted message, a Topics API call, a proxied
 * update queued for the parallel system) publishes the bot's id on the channel of that purpose;
 * every instance listens on one connection of its own and wakes what waits for that bot here —
 * the owner's processor, a proxy's long poll. A notification may be lost (the listening
 * connection dropped and came back, or a publish failed): every subscriber is woken after each
 * (re)connection, and the owner also re-checks its inbox and its pusher's queue slowly on the
 * Clock (cluster/wake.ts), so nothing waits for long. SQLite runs one instance and needs none of this.
 */
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Schedule from "effect/Schedule";
import type * as Scope from "effect/Scope";
import { sql } from "kysely";
import pg from "pg";
import type { Db } from "../store/schema.ts";
import type { Logger } from "../util/log.ts";
import { realClock } from "../util/real-clock.ts";

/**
 * What a notification is about: rows in a bot's inbox, or in its parallel system's update queue
 * (and its webhook setting), or leases an instance gave back (`LEASES_RELEASED` for the bot id:
 * the others take them at once instead of at their next round).
 */
export type Purpose = "inbox" | "proxy" | "leases";

/** The "bot id" of a `leases` notification: it concerns every bot. */
export const LEASES_RELEASED = "*";

const channelOf: Record<Purpose, string> = { inbox: "switchboard_inbox", proxy: "switchboard_proxy", leases: "switchboard_leases" };
const purposeOf = new Map(Object.entries(channelOf).map(([purpose, channel]) => [channel, purpose as Purpose]));

/** See the module comment. */
export interface Notifier {
  /** Tells every instance that bot `botId` has new rows for `purpose` (best effort: a failure is logged, the fallbacks cover it). */
  publish(purpose: Purpose, botId: string): Effect.Effect<void>;
  /** Calls `wake` on every notification for (`purpose`, `botId`), and after every (re)connection, until the Scope closes. */
  subscribe(purpose: Purpose, botId: string, wake: () => void): Effect.Effect<void, never, Scope.Scope>;
}


/** A notifier that does nothing (tests of one instance, SQLite). */
export const noNotifier: Notifier = { publish: () => Effect.void, subscribe: () => Effect.void };

/** How the listening connection is watched (tests shorten it). */
export interface ListenHealth {
  /** How often a cheap query checks the connection (default 30 s). */
  readonly everyMs?: number;
  /** How long that query (or any) may go unanswered before the connection counts as dead (default 10 s). */
  readonly timeoutMs?: number;
}

/**
 * Listens on `url` for the life of the Scope, on one connection that is opened again (after a
 * second) whenever it drops; publishes through `db`. A connection can die without a word (a
 * half-open TCP connection after a network fault or a failover): TCP keep-alive and a cheap
 * query every `health.everyMs` find it, and the session is opened again as after a drop.
 */
export const pgNotifier = (url: string, db: Db, log: Logger, health: ListenHealth = {}): Effect.Effect<Notifier, never, Scope.Scope> =>
  Effect.gen(function* () {
    const subscribers = new Map<string, Set<() => void>>();
    const keyOf = (purpose: Purpose, botId: string) => `${purpose}\n${botId}`;
    const wakeAll = () => {
      for (const set of subscribers.values()) for (const wake of set) wake();
    };
    let closing = false;
    // Whether the last session failed: the log says when listening stops, not every retry.
    let failing = false;

    /** The connection's life: resolves (or fails) when it ends. */
    const ended = (c: pg.Client) =>
      Effect.async<void, Error>((resume) => {
        c.on("error", (e) => resume(Effect.fail(e)));
        c.on("end", () => resume(Effect.fail(new Error("the listening connection ended"))));
      });

    /**
     * One listening session: fails when the connection ends or stops answering. A stalled
     * connection answers nothing: the cheap query times out (query_timeout) and the session ends,
     * to be opened again.
     */
    const session = Effect.scoped(Effect.gen(function* () {
      const timeoutMs = health.timeoutMs ?? 10_000;
      const c = yield* Effect.acquireRelease(
        Effect.sync(() => new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, keepAlive: true, application_name: "switchboard-listen" })),
        // Not awaited: ending a half-open connection waits for a peer that is gone.
        (c) => Effect.sync(() => void c.end().catch(() => undefined)),
      );
      // Errors before `life` listens (none is expected: connecting is asynchronous) must not crash the process.
      c.on("error", () => undefined);
      c.on("notification", (n) => {
        const purpose = purposeOf.get(n.channel);
        if (purpose === undefined || n.payload === undefined) return;
        for (const wake of subscribers.get(keyOf(purpose, n.payload)) ?? []) wake();
      });
      const life = ended(c);
      const listening = Effect.tryPromise({
        try: async () => {
          await c.connect();
          await c.query(Object.values(channelOf).map((ch) => `listen ${ch}`).join("; "));
        },
        catch: (e) => (e instanceof Error ? e : new Error(String(e))),
      });
      yield* Effect.raceFirst(listening, Effect.zipRight(life, Effect.never));
      if (failing) log.info("listening for wake-ups between instances again");
      failing = false;
      // Whatever was published while no one listened: every waiter looks once.
      wakeAll();
      const check = Effect.tryPromise({
        try: () => c.query("select 1"),
        catch: (e) => new Error(`the listening connection stopped answering: ${e instanceof Error ? e.message : String(e)}`),
      });
      yield* Effect.raceFirst(life, Effect.forever(Effect.zipRight(Effect.sleep(Duration.millis(health.everyMs ?? 30_000)), check)));
    }));

    const loop = session.pipe(
      Effect.tapError((e) => Effect.sync(() => {
        if (!closing && !failing) log.warn("the LISTEN connection for wake-ups between instances failed; reconnecting (the slow re-checks cover the gap)", { error: e.message });
        failing = true;
      })),
      Effect.retry(Schedule.spaced(Duration.seconds(1))),
      Effect.forever,
      Effect.withClock(realClock),
    );
    yield* Effect.forkScoped(loop);
    yield* Effect.addFinalizer(() => Effect.sync(() => {
      closing = true;
    }));

    return {
      publish: (purpose, botId) =>
        Effect.tryPromise(() => sql`select pg_notify(${channelOf[purpose]}, ${botId})`.execute(db)).pipe(
          Effect.catchAll((e) => Effect.sync(() => log.warn("could not notify the other instances; they find the rows on their next re-check", { purpose, bot: botId, error: String(e.error) }))),
        ),
      subscribe: (purpose, botId, wake) =>
        Effect.acquireRelease(
          Effect.sync(() => {
            const key = keyOf(purpose, botId);
            const set = subscribers.get(key) ?? new Set();
            subscribers.set(key, set);
            set.add(wake);
            return { key, set };
          }),
          ({ key, set }) => Effect.sync(() => {
            set.delete(wake);
            if (set.size === 0) subscribers.delete(key);
          }),
        ),
    } satisfies Notifier;
  });
