/**
 * Telling a dead instance from a slow one. A lease expires `ttlMs` after its last renewal, which
 * is what a paused or cut-off owner needs (its calls must have ended before anyone else calls).
 * A process that died (`kill -9`, a crash, the machine gone with its network stack alive) makes
 * no more calls at all, and waiting out its leases only delays the takeover. So each instance
 * holds a session-level advisory lock, keyed by its id, on a connection of its own for as long
 * as it lives; PostgreSQL drops the lock the moment that connection closes, which for a dead
 * process is at once. An instance is taken for dead when its lock is free **and** its heartbeat
 * is older than two renewals: a live instance whose lock connection merely dropped (a blip, an
 * `idle_session_timeout`) still renews, so it never loses its bots for that, and a paused one
 * keeps its connection and its lock, so its leases expire as before.
 *
 * The instance side: when its lock is lost, its bots make no Bot API call until its next
 * successful renewal (the coordinator closes their guards, see `onLost`). If the store is out of
 * reach too, that renewal does not come, so by the time the others could read the instance as dead
 * (no lock, stale heartbeat) its calls have stopped. Needs a direct session (not a pooler in
 * transaction mode), as LISTEN does.
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
