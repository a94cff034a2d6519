/**
 * Telling a dead instance from a paused one. A lease expires `ttlMs` after its last renewal; its
 * owner's guard stops calls `callMarginMs` before that (by the owner's clock), and the margin is
 * there for what a live owner may still do — clock skew between instances, a call on its way.
 * A process that died (`kill -9`, a crash, an OOM kill) does nothing more, and waiting out the
 * margin only delays the takeover. So each instance holds a session-level advisory lock, keyed by
 * its id, on a connection of its own for as long as it lives; PostgreSQL drops the lock the moment
 * that connection closes, which for a dead process is at once.
 *
 * An instance is taken for dead when its lock is free **and** its heartbeat is `ttlMs −
 * callMarginMs` old — when its own guard has stopped its calls anyway — and a lease of its is
 * taken only if it too went unrenewed that long (the verdict is formed a statement earlier). A
 * live instance whose lock connection merely dropped still renews, so it never loses its bots for
 * that; a paused one keeps its connection and its lock, so its leases expire as before. When its
 * lock is lost, an instance's bots also make no call until its next renewal (the coordinator
 * closes their guards, `onLost`). What is given up against plain expiry is the margin for clock
 * skew, and only for an instance that is lockless and silent at once (a failover to a new
 * primary, which holds no advisory locks, or a restart of the server: bots may move then, as
 * after an expiry). Needs a direct session (not a pooler in transaction mode), as LISTEN does.
 */
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import { sql } from "kysely";
import type { Db } from "../store/schema.ts";
import type { Logger } from "../util/log.ts";
import { type ConnectionHealth, keepConnection } from "./kept-connection.ts";

/** The advisory lock's first key: Switchboard's liveness locks ("SwLv"), apart from anyone else's. */
export const LIVENESS_CLASS = 0x53774c76;

/** The second key of `instanceId`'s lock: a 32-bit FNV-1a hash of its id (two ids sharing one only make a dead one look alive). */
export function livenessKey(instanceId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < instanceId.length; i++) h = Math.imul(h ^ instanceId.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** Whether the instance holds its lock now. */
export interface Liveness {
  readonly held: () => boolean;
}

/**
 * Holds `instanceId`'s liveness lock on `url` for the life of the Scope, taking it again whenever
 * its connection comes back; `onLost` is called when a held lock is lost. Another session holding
 * the key (two live instances configured with one SWITCHBOARD_INSTANCE_ID) is said and retried.
 */
export const holdLiveness = (
  url: string,
  instanceId: string,
  log: Logger,
  onLost: () => void,
  health: ConnectionHealth = {},
): Effect.Effect<Liveness, never, Scope.Scope> =>
  Effect.gen(function* () {
    let held = false;
    const key = livenessKey(instanceId);
    yield* keepConnection({
      url, log, health, applicationName: "switchboard-liveness",
      setUp: async (c) => {
        const { rows } = await c.query<{ taken: boolean }>("select pg_try_advisory_lock($1, $2) as taken", [LIVENESS_CLASS, key]);
        if (!rows[0]?.taken) throw new Error(`another session holds this instance's liveness lock (${LIVENESS_CLASS}, ${key}): is SWITCHBOARD_INSTANCE_ID "${instanceId}" used twice?`);
      },
      onUp: () => void (held = true),
      onDown: () => {
        if (!held) return;
        held = false;
        onLost();
      },
      lostMessage: "the liveness lock's connection failed; reconnecting (no Bot API calls until the next renewal of the leases)",
      backMessage: "the liveness lock is held again",
    });
    return { held: () => held };
  });

/**
 * Of `instanceIds` (instances whose heartbeat is already stale), those whose liveness lock no
 * session holds on this database: dead processes, whose leases may be taken now.
 */
export async function withoutLiveness(db: Db, instanceIds: readonly string[]): Promise<string[]> {
  if (instanceIds.length === 0) return [];
  // pg_locks shows the lock keys as oids (unsigned), and the locks of every database of the server.
  const { rows } = await sql<{ objid: string }>`
    select objid::text as objid from pg_locks
    where locktype = 'advisory' and granted and objsubid = 2 and classid = ${LIVENESS_CLASS}::oid
      and database = (select oid from pg_database where datname = current_database())`.execute(db);
  const alive = new Set(rows.map((r) => r.objid));
  return instanceIds.filter((id) => !alive.has(String(livenessKey(id) >>> 0)));
}
