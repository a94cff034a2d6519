/**
 * The PostgreSQL dialect: the only file that knows PostgreSQL's own SQL (identity columns,
 * sequences) and its driver. It goes through `pg` (pure JavaScript, so it loads on Node and on
 * Deno as `npm:pg`) behind Kysely's own PostgresDialect, on a pool: every Kysely transaction
 * (the stepper's commit, an inbox batch) takes a connection of its own for its duration.
 */
import { CompiledQuery, Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import type { StoreDialect } from "./dialect.ts";
import { bindDialect } from "./engine.ts";
import { StorageUrlError } from "./errors.ts";
import { type Fence, FencingDriver } from "./fencing.ts";
import type { Database as Schema, Db } from "./schema.ts";

/**
 * Connections per store. A bot's pipeline has a handful of writers that may overlap (a source's
 * inbox batch, the stepper's commit, the delivery committer, timers, a plugin's sender), each
 * holding a connection only for one statement or one short transaction; ten cover several bots
 * without queueing and stay far below the server's usual `max_connections` of 100, which several
 * instances of a deployment share.
 */
const POOL_SIZE = 10;

/** How long opening a connection may take: an unreachable host fails instead of hanging. */
const CONNECT_TIMEOUT_MS = 10_000;

/** A storage URL with its password masked, for messages and logs. */
export const redactUrl = (url: string): string => url.replace(/(\/\/[^:/@\s]*:)[^@]*@/, "$1***@");

/**
 * `bigint` columns (ids, millisecond times) and `count(*)` arrive from `pg` as strings, so that no
 * value above 2^53 loses precision. Telegram's ids stay below 2^53 by its own promise, and the
 * store's contract is plain numbers on every engine: parsed here, for this pool only (`pg`'s
 * global `types.setTypeParser` would change every other pool of the process too).
 */
const getTypeParser = ((oid: number, format?: "text" | "binary") =>
  oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser;

/** What a failed connection says; Node reports a host with several addresses as an AggregateError without a message. */
function describeConnectError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const inner = (error as { errors?: unknown[] }).errors;
  if (error.message === "" && Array.isArray(inner)) return inner.map((e) => (e instanceof Error ? e.message : String(e))).join("; ");
  return error.message || String((error as { code?: unknown }).code ?? error.name);
}

/**
 * Opens a pool on `postgres://user:pass@host:port/db` (`?sslmode=…` and the other parameters
 * are `pg`'s own) and checks that the server answers, so a wrong host or password fails at start
 * with one clear line instead of at the first update; see {@link StoreDialect.open}.
 */
async function open(url: string): Promise<Db> {
  try {
    new URL(url);
  } catch {
    throw new StorageUrlError({ message: `storage: expected a valid postgres://user:pass@host:port/db URL, got "${redactUrl(url)}"` });
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: "switchboard",
    types: { getTypeParser },
  });
  // A connection the server drops (a restart, a failover, a terminated backend) reports an error
  // event, which without a listener would crash the process: on the pool while the connection is
  // idle, on the client while Kysely holds it (between a transaction's statements). Both are
  // swallowed here: the statement in flight, or the next one on that connection, fails as a
  // StoreError, and the pool discards the connection and opens a new one.
  pool.on("error", () => {});
  pool.on("connect", (client) => {
    client.on("error", () => {});
    // A transaction left open by a paused process (SIGSTOP, a VM frozen) would hold its locks
    // — among them the lease row it read `for share` (leases.ts) — until the process woke, and
    // hold a takeover back: the server ends it after 4 s of silence. Switchboard's own
    // transactions never wait on the client that long. Queued before the client's first query.
    client.query("set idle_in_transaction_session_timeout = 4000").catch(() => {});
  });
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw new Error(`cannot connect to ${redactUrl(url)}: ${describeConnectError(error)}`, { cause: error });
  }
  return db;
}

/** The pool behind each open handle, for the fenced handles on it. */
const pools = new WeakMap<Db, pg.Pool>();

const control = { begin: CompiledQuery.raw("begin"), commit: CompiledQuery.raw("commit"), rollback: CompiledQuery.raw("rollback") };

/** See {@link StoreDialect.fenced}: a second Kysely on the same pool, whose driver fences. */
function fenced(db: Db, fence: Fence): Db {
  const pool = pools.get(db);
  if (!pool) throw new Error("store: fenced() needs a handle opened by the PostgreSQL dialect");
  const base = new PostgresDialect({ pool });
  const handle = new Kysely<Schema>({
    dialect: {
      createAdapter: () => base.createAdapter(),
      createDriver: () => new FencingDriver(base.createDriver(), fence, control),
      createQueryCompiler: () => base.createQueryCompiler(),
      createIntrospector: (k) => base.createIntrospector(k),
    },
  });
  bindDialect(handle, postgresDialect);
  return handle;
}

/** Moves the sequence behind each identity column of `table` past the largest value in it. */
async function resyncIdentities(db: Kysely<any>, table: string): Promise<void> {
  const { rows } = await sql<{ column_name: string }>`
    select column_name from information_schema.columns
    where table_schema = current_schema() and table_name = ${table} and (is_identity = 'YES' or column_default like 'nextval(%')`.execute(db);
  for (const { column_name: column } of rows) {
    // setval(…, max, true): the next generated value is max + 1; an empty table leaves it alone.
    await sql`select setval(pg_get_serial_sequence(${table}, ${column}), m) from (select max(${sql.ref(column)}) as m from ${sql.table(table)}) t where m is not null`.execute(db);
  }
}

/** PostgreSQL, one database per deployment (shared by all its instances). */
export const postgresDialect: StoreDialect = {
  name: "postgres",
  open,
  // By default, not always: `switchboard migrate --from` copies rows with their ids.
  autoIncrementId: (table, column) => table.addColumn(column, "bigint", (c) => c.primaryKey().generatedByDefaultAsIdentity()),
  // No row numbers: an identity column numbers the inbox's rows as they are inserted.
  inboxArrival: {
    column: (table) => table.addColumn("arrival", "bigint", (c) => c.notNull().generatedByDefaultAsIdentity()),
    order: sql.ref("arrival"),
    // Pending rows come out of the index in arrival order: no sort, however many are pending.
    pendingIndex: ["bot_id", "processed", "arrival"],
  },
  copy: { resyncIdentities },
  fenced,
};
