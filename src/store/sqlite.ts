/**
 * The SQLite dialect: the only file that knows SQLite's own SQL (pragmas, `rowid`) and its
 * driver. SQLite goes through `libsql` (prebuilt, loads on Node and Deno) behind Kysely's own
 * SqliteDialect, which only needs a better-sqlite3-shaped `prepare/all/run/iterate` object.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { Kysely, SqliteDialect, sql } from "kysely";
import Database from "libsql";
import type { StoreDialect } from "./dialect.ts";
import { bindDirectRunner, bindTransactNow } from "./engine.ts";
import { StorageUrlError } from "./errors.ts";
import type { Database as Schema, Db } from "./schema.ts";

/** Parses `sqlite:PATH` (also `sqlite::memory:` and `sqlite:///abs/path`). */
function sqlitePathOf(url: string): string {
  const path = url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
  if (path === "") throw new StorageUrlError({ message: `storage: "sqlite:" needs a file path, e.g. "sqlite:./data/switchboard.db"` });
  return path;
}

/**
 * The values SQLite can bind. libsql aborts the whole process (a Rust panic, exit 134) when
 * handed a boolean, so every statement's values are checked here first and a wrong one is an
 * ordinary error of that statement. Updates are decoded at the edge (telegram/decode-update.ts);
 * this is the guard behind it, for any value from outside that reaches a statement some other way.
 */
function checkBindable(sql: string, values: readonly unknown[]): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const t = typeof v;
    if (t === "number" || t === "string" || t === "bigint" || v === null || v instanceof Uint8Array) continue;
    throw new TypeError(`store: parameter ${i + 1} of "${sql.slice(0, 80)}" is ${v === undefined ? "undefined" : Array.isArray(v) ? "an array" : t}; only numbers, strings, bigints, byte arrays and null can be stored`);
  }
}

/** The three calls Kysely's SQLite driver makes on a statement, behind {@link checkBindable}. */
function guarded(sql: string, statement: Database.Statement) {
  return {
    reader: statement.reader,
    all: (values: readonly unknown[]) => (checkBindable(sql, values), statement.all(values)),
    run: (values: readonly unknown[]) => (checkBindable(sql, values), statement.run(values)),
    iterate: (values: readonly unknown[]) => (checkBindable(sql, values), statement.iterate(values)),
  };
}

/**
 * Kysely's SQLite driver prepares every statement anew; the pipeline runs the same few dozen
 * statements all day, so compiled statements are kept (libsql statements are reusable).
 */
function withStatementCache(sqlite: Database.Database) {
  const cache = new Map<string, ReturnType<typeof guarded>>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let statement = cache.get(text);
      if (!statement) {
        statement = guarded(text, sqlite.prepare(text));
        cache.set(text, statement);
        // Queries with variable-length IN lists have many shapes: keep the cache bounded.
        if (cache.size > 500) cache.delete(cache.keys().next().value!);
      }
      return statement;
    },
  };
}

/** Opens (creating folders as needed) with WAL; see {@link StoreDialect.open}. */
async function open(url: string): Promise<Db> {
  const path = sqlitePathOf(url);
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  // WAL lets readers run beside the single writer; NORMAL sync is crash-safe for the process
  // (SIGKILL loses nothing committed) and only risks the last commits on a power cut.
  sqlite.exec("pragma journal_mode = wal; pragma synchronous = normal; pragma busy_timeout = 5000; pragma foreign_keys = on;");
  const statements = withStatementCache(sqlite);
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: statements as never }) });
  // libsql answers synchronously; going through Kysely's executor costs a promise chain, its
  // connection mutex and a suspension of the calling fiber per statement (a third of the hot
  // path's SQL time). The hot statements (prepared.ts) run here at once when that is safe: inside
  // a transaction of ours (the handle is its Transaction, so the one connection is ours), or
  // outside any transaction (a statement on its own commits before anything else can run).
  // While someone else's transaction is open, a statement waits its turn through Kysely's mutex.
  // Inside a synchronous transaction of our own (`transactNow` below) nothing else can run, so
  // every statement is that transaction's.
  let ownSync = false;
  bindDirectRunner(db, (handle, text, values) => {
    if (!handle.isTransaction && sqlite.inTransaction && !ownSync) return undefined;
    const statement = statements.prepare(text);
    if (statement.reader) return { rows: statement.all(values) as unknown[] };
    const { changes, lastInsertRowid } = statement.run(values);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  });
  // A whole transaction at once, when no other is open: Kysely's transaction costs a promise
  // chain and its connection mutex around every statement, begin and commit, and the group
  // commit of deliveries (pipeline/delivery/completions.ts) runs one per event-loop turn. It
  // begins, runs and commits without yielding, so no other statement can slip into it.
  const begin = statements.prepare("begin");
  const commit = statements.prepare("commit");
  const rollback = statements.prepare("rollback");
  bindTransactNow(db, <A>(f: () => A): A | undefined => {
    if (sqlite.inTransaction) return undefined;
    begin.run([]);
    ownSync = true;
    try {
      const answer = f();
      commit.run([]);
      return answer;
    } catch (error) {
      if (sqlite.inTransaction) rollback.run([]);
      throw error;
    } finally {
      ownSync = false;
    }
  });
  return db;
}

/** SQLite, one file per deployment. */
export const sqliteDialect: StoreDialect = {
  name: "sqlite",
  open,
  // AUTOINCREMENT: ids are never reused, even after the newest row was deleted.
  autoIncrementId: (table, column) => table.addColumn(column, "integer", (c) => c.primaryKey().autoIncrement()),
  // One writer at a time, and each row of a statement gets the next number.
  consecutiveInsertIds: true,
  // The pending index as shipped: an index entry ends with the rowid, so it serves the order too.
  inboxArrival: {
    column: (table) => table,
    order: sql`rowid`,
    pendingIndex: ["bot_id", "processed", "update_id"],
    // Every SQLite index ends with the rowid: on (bot, processed) the pending rows come out in
    // rowid order, so `order by rowid` needs no sort (0001's index ended with update_id instead).
    pendingIndexInOrder: ["bot_id", "processed"],
  },
  copy: {
    rowKey: sql<number>`rowid`,
    // AUTOINCREMENT's counter (sqlite_sequence) already follows ids inserted explicitly.
    resyncIdentities: async () => {},
  },
};
