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
import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import * as Schedule from "effect/Schedule";
import type * as Scope from "effect/Scope";
import { sql } from "kysely";
import pg from "pg";
import type { Db } from "../store/schema.ts";
import type { Logger } from "../util/log.ts";

/** What a notification is about: rows in a bot's inbox, or in its parallel system's update queue (and its webhook setting). */
export type Purpose = "inbox" | "proxy";

const channelOf: Record<Purpose, string> = { inbox: "switchboard_inbox", proxy: "switchboard_proxy" };
const purposeOf = new Map(Object.entries(channelOf).map(([purpose, channel]) => [channel, purpose as Purpose]));

/** See the module comment. */
export interface Notifier {
  /** Tells every instance that bot `botId` has new rows for `purpose` (best effort: a failure is logged, the fallbacks cover it). */
  publish(purpose: Purpose, botId: string): Effect.Effect<void>;
  /** Calls `wake` on every notification for (`purpose`, `botId`), and after every (re)connection, until the Scope closes. */
  subscribe(purpose: Purpose, botId: string, wake: () => void): Effect.Effect<void, never, Scope.Scope>;
}

const realClock = Clock.make();

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
    let client: pg.Client | undefined;

    /** One listening session: resolves when the connection ends. */
    const session = Effect.async<void, Error>((resume) => {
      const timeoutMs = health.timeoutMs ?? 10_000;
      const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, keepAlive: true, application_name: "switchboard-listen" });
      client = c;
      let ended = false;
      let check: ReturnType<typeof setInterval> | undefined;
      const end = (error?: Error) => {
        if (ended) return;
        ended = true;
        if (check !== undefined) clearInterval(check);
        c.end().catch(() => undefined);
        resume(error ? Effect.fail(error) : Effect.void);
      };
      c.on("error", (e) => end(e));
      c.on("end", () => end(new Error("the listening connection ended")));
      c.on("notification", (n) => {
        const purpose = purposeOf.get(n.channel);
        if (purpose === undefined || n.payload === undefined) return;
        for (const wake of subscribers.get(keyOf(purpose, n.payload)) ?? []) wake();
      });
      c.connect()
        .then(() => c.query(Object.values(channelOf).map((ch) => `listen ${ch}`).join("; ")))
        .then(() => {
          if (ended) return;
          if (failing) log.info("listening for wake-ups between instances again");
          failing = false;
          // Whatever was published while no one listened: every waiter looks once.
          wakeAll();
          // A stalled connection answers nothing: the query times out (query_timeout) and the
          // session ends, to be opened again. Real time, as the retries: the network's, not the Clock's.
          check = setInterval(() => void c.query("select 1").catch((e: Error) => end(new Error(`the listening connection stopped answering: ${e.message}`))), health.everyMs ?? 30_000);
        })
        .catch((e: Error) => end(e));
      return Effect.sync(() => end());
    });

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
      client?.end().catch(() => undefined);
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
