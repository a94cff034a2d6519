/**
 * Bot ownership among several instances on one store: a lease per bot with a fencing token, and
 * the instances' heartbeats. The coordinator (cluster/coordinator.ts) drives these; every
 * transaction the owner commits for the bot starts with {@link leaseFence}, so a former owner
 * (paused, partitioned) can never commit after another instance took the lease over.
 *
 * Times are the callers' clocks (Effect's Clock), compared across instances: their clocks must
 * agree to well within the lease's time to live (NTP does that).
 */
import { CompiledQuery, type Expression, type ExpressionBuilder, type SqlBool, sql } from "kysely";
import { dialectOfDb } from "./engine.ts";
import type { Fence } from "./fencing.ts";
import type { Database, Db } from "./schema.ts";

/** A lease this instance holds: the bot and the fencing token its writes carry. */
export interface HeldLease {
  readonly botId: string;
  readonly token: number;
}

/** A lease as `switchboard status` shows it. */
export interface LeaseRow {
  readonly botId: string;
  /** The owner's instance id, or "" while nobody holds it. */
  readonly owner: string;
  readonly token: number;
  readonly acquiredAt: number;
  readonly renewedAt: number;
  readonly expiresAt: number;
}

/** An instance's heartbeat row. */
export interface InstanceRow {
  readonly instanceId: string;
  readonly host: string;
  readonly startedAt: number;
  readonly heartbeatAt: number;
}

/** The owner's write found that its lease is gone: the transaction is rolled back. */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
  readonly botId: string;
  readonly token: number;
  constructor(botId: string, token: number) {
    super(`bot "${botId}": lease ${token} is no longer held by this instance; the write was rolled back`);
    this.botId = botId;
    this.token = token;
  }
}

/** Makes sure every bot has a lease row (unowned, token 0), so acquiring is always one conditional update. */
export async function ensureLeaseRows(db: Db, botIds: readonly string[]): Promise<void> {
  if (botIds.length === 0) return;
  await db.insertInto("leases")
    .values(botIds.map((botId) => ({ bot_id: botId, owner: "", token: 0, acquired_at: 0, renewed_at: 0, expires_at: 0 })))
    .onConflict((oc) => oc.column("bot_id").doNothing())
    .execute();
}

/**
 * Instances found dead (cluster/liveness.ts: liveness lock free, heartbeat `silentMs` old) whose
 * leases may be taken before they expire.
 */
export interface DeadOwners {
  readonly ids: readonly string[];
  /** How long a lease of theirs must have gone unrenewed: the verdict was formed in an earlier statement, and one renewal since refutes it. */
  readonly silentMs: number;
}

/** A lease another instance may take at `now`: released, expired, or held by a dead instance and not renewed since `silentMs`. */
const takeableAt = (now: number, dead?: DeadOwners) => (eb: ExpressionBuilder<Database, "leases">) =>
  eb.or([
    eb("owner", "=", ""),
    eb("expires_at", "<=", now),
    ...(dead && dead.ids.length > 0 ? [eb.and([eb("owner", "in", [...dead.ids]), eb("renewed_at", "<=", now - dead.silentMs)])] : []),
  ]);

/**
 * Takes the bot's lease if it is free (released, or expired at `now`); returns the new token, or
 * undefined when another instance holds it. Two instances racing for one lease: the update is
 * conditional, so exactly one of them gets it.
 */
export async function acquireLease(db: Db, botId: string, instanceId: string, now: number, ttlMs: number): Promise<number | undefined> {
  const takeable = takeableAt(now);
  if (dialectOfDb(db).name !== "postgres") return take(db, botId, instanceId, now, ttlMs, takeable);
  // The fence holds the row `for key share`, which an update of its other columns does not wait
  // for (so renewals never queue behind a bot's long transaction); a takeover must wait for the
  // former owner's transactions in flight, so it locks the row `for update` first.
  return db.transaction().execute(async (tx) => {
    const free = await tx.selectFrom("leases").select("bot_id").where("bot_id", "=", botId).where(takeable).forUpdate().executeTakeFirst();
    return free ? take(tx, botId, instanceId, now, ttlMs, takeable) : undefined;
  });
}

async function take(db: Db, botId: string, instanceId: string, now: number, ttlMs: number, takeable: (eb: ExpressionBuilder<Database, "leases">) => Expression<SqlBool>): Promise<number | undefined> {
  const row = await db.updateTable("leases")
    .set({ owner: instanceId, token: sql<number>`token + 1`, acquired_at: now, renewed_at: now, expires_at: now + ttlMs })
    .where("bot_id", "=", botId)
    .where(takeable)
    .returning("token")
    .executeTakeFirst();
  return row?.token;
}

/**
 * Takes as many of `botIds` as are free (released, expired at `now`, or held by one of the
 * `dead` and unrenewed since) in one statement; returns
 * the leases taken with their new tokens. A new instance or a takeover after a crash moves
 * hundreds of leases at once: one statement instead of a transaction per bot. On PostgreSQL a
 * lease whose former owner has a transaction in flight (the fence holds its row `for key share`)
 * is skipped rather than waited for (`for update skip locked`): it is taken at a later round, once
 * that transaction ended, and the transactions waiting for this statement's locks meanwhile find
 * the lease gone. Racing instances: each row goes to exactly one of them.
 */
export async function acquireLeases(db: Db, botIds: readonly string[], instanceId: string, now: number, ttlMs: number, dead?: DeadOwners): Promise<HeldLease[]> {
  if (botIds.length === 0) return [];
  const takeable = takeableAt(now, dead);
  const postgres = dialectOfDb(db).name === "postgres";
  const rows = await db.updateTable("leases")
    .set({ owner: instanceId, token: sql<number>`token + 1`, acquired_at: now, renewed_at: now, expires_at: now + ttlMs })
    .where("bot_id", "in", postgres
      ? db.selectFrom("leases").select("bot_id").where("bot_id", "in", [...botIds]).where(takeable).forUpdate().skipLocked()
      : [...botIds])
    .where(takeable)
    .returning(["bot_id", "token"])
    .execute();
  return rows.map((r) => ({ botId: r.bot_id, token: r.token }));
}

/**
 * Extends every lease `instanceId` holds to `now + ttlMs` in one statement; returns the leases it
 * still holds (a lease taken over after it expired is missing: its bot must stop at once).
 */
export async function renewLeases(db: Db, instanceId: string, now: number, ttlMs: number): Promise<HeldLease[]> {
  const rows = await db.updateTable("leases")
    .set({ renewed_at: now, expires_at: now + ttlMs })
    .where("owner", "=", instanceId)
    .returning(["bot_id", "token"])
    .execute();
  return rows.map((r) => ({ botId: r.bot_id, token: r.token }));
}

/** Gives a lease up (after its bot stopped), so another instance can take it at once. */
export async function releaseLease(db: Db, lease: HeldLease, instanceId: string, now: number): Promise<void> {
  await db.updateTable("leases")
    .set({ owner: "", expires_at: now, renewed_at: now })
    .where("bot_id", "=", lease.botId)
    .where("token", "=", lease.token)
    .where("owner", "=", instanceId)
    .execute();
}

/** Gives several leases up at once (an instance stopping): each only if still held with its token. */
export async function releaseLeases(db: Db, leases: readonly HeldLease[], instanceId: string, now: number): Promise<void> {
  if (leases.length === 0) return;
  await db.updateTable("leases")
    .set({ owner: "", expires_at: now, renewed_at: now })
    .where((eb) => eb(eb.refTuple("bot_id", "token"), "in", leases.map((l) => eb.tuple(l.botId, l.token))))
    .where("owner", "=", instanceId)
    .execute();
}

/**
 * The fence of a bot's owner (a fenced handle runs it first in every transaction, see
 * fencing.ts): fails with {@link LeaseLostError}, after calling `onLost`, unless `lease` is still
 * the bot's lease and held by `instanceId`. The row is read `for key share`: a takeover (which
 * locks the row `for update` first, see {@link acquireLease}) waits until this transaction ends,
 * while renewals and releases (updates of non-key columns) do not, and a transaction that begins after the takeover
 * sees the new token. So no write of a former owner commits after the takeover did, and the new
 * owner sees everything the former one committed. One read by primary key per transaction.
 * PostgreSQL only: several instances need a server; SQLite runs one instance and no fence.
 */
export function leaseFence(lease: HeldLease, instanceId: string, onLost: () => void): Fence {
  const check = CompiledQuery.raw("select 1 from leases where bot_id = $1 and token = $2 and owner = $3 for key share", [lease.botId, lease.token, instanceId]);
  return async (connection) => {
    const { rows } = await connection.executeQuery(check);
    if (rows.length > 0) return;
    onLost();
    throw new LeaseLostError(lease.botId, lease.token);
  };
}

/** Records that `instanceId` is alive at `now` (also creates its row). */
export async function heartbeat(db: Db, instance: { instanceId: string; host: string }, now: number): Promise<void> {
  await db.insertInto("instances")
    .values({ instance_id: instance.instanceId, host: instance.host, started_at: now, heartbeat_at: now })
    .onConflict((oc) => oc.column("instance_id").doUpdateSet({ heartbeat_at: now }))
    .execute();
}

/** The instances whose heartbeat is newer than `since`. */
export async function liveInstances(db: Db, since: number): Promise<InstanceRow[]> {
  const rows = await db.selectFrom("instances").selectAll().where("heartbeat_at", ">", since).orderBy("instance_id").execute();
  return rows.map(instanceRow);
}

/** Every instance row (old ones included), for `switchboard status`. */
export async function allInstances(db: Db): Promise<InstanceRow[]> {
  return (await db.selectFrom("instances").selectAll().orderBy("instance_id").execute()).map(instanceRow);
}

/** Removes the instance's row when it stops, so the others count one instance fewer at once. */
export async function forgetInstance(db: Db, instanceId: string): Promise<void> {
  await db.deleteFrom("instances").where("instance_id", "=", instanceId).execute();
}

/** Removes rows of instances silent since before `before` (they stopped long ago). */
export async function pruneInstances(db: Db, before: number): Promise<void> {
  await db.deleteFrom("instances").where("heartbeat_at", "<", before).execute();
}

/** Bots among `botIds` whose lease is free at `now` (released, expired, or held by one of the `dead` and unrenewed since). */
export async function freeLeases(db: Db, botIds: readonly string[], now: number, dead?: DeadOwners): Promise<string[]> {
  if (botIds.length === 0) return [];
  const rows = await db.selectFrom("leases").select("bot_id")
    .where("bot_id", "in", [...botIds])
    .where(takeableAt(now, dead))
    .execute();
  return rows.map((r) => r.bot_id);
}

/** Every lease row, for `switchboard status`. */
export async function allLeases(db: Db): Promise<LeaseRow[]> {
  const rows = await db.selectFrom("leases").selectAll().orderBy("bot_id").execute();
  return rows.map((r) => ({ botId: r.bot_id, owner: r.owner, token: r.token, acquiredAt: r.acquired_at, renewedAt: r.renewed_at, expiresAt: r.expires_at }));
}

const instanceRow = (r: { instance_id: string; host: string; started_at: number; heartbeat_at: number }): InstanceRow =>
  ({ instanceId: r.instance_id, host: r.host, startedAt: r.started_at, heartbeatAt: r.heartbeat_at });
