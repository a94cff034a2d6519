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
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import { sql } from "kysely";
import type { Db } from "../store/schema.ts";
import type { Logger } from "../util/log.ts";
import { type ConnectionHealth, keepConnection } from "./kept-connection.ts";

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
export type ListenHealth = ConnectionHealth;

/**
 * Listens on `url` for the life of the Scope, on one connection of its own that is opened again
 * whenever it drops or stops answering (kept-connection.ts); publishes through `db`.
 */
export const pgNotifier = (url: string, db: Db, log: Logger, health: ListenHealth = {}): Effect.Effect<Notifier, never, Scope.Scope> =>
  Effect.gen(function* () {
    const subscribers = new Map<string, Set<() => void>>();
    const keyOf = (purpose: Purpose, botId: string) => `${purpose}\n${botId}`;
    yield* keepConnection({
      url, log, health, applicationName: "switchboard-listen",
      setUp: async (c) => void (await c.query(Object.values(channelOf).map((ch) => `listen ${ch}`).join("; "))),
      // Whatever was published while no one listened: every waiter looks once.
      onUp: () => {
        for (const set of subscribers.values()) for (const wake of set) wake();
      },
      onNotification: (n) => {
        const purpose = purposeOf.get(n.channel);
        if (purpose === undefined || n.payload === undefined) return;
        for (const wake of subscribers.get(keyOf(purpose, n.payload)) ?? []) wake();
      },
      lostMessage: "the LISTEN connection for wake-ups between instances failed; reconnecting (the slow re-checks cover the gap)",
      backMessage: "listening for wake-ups between instances again",
    });

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
