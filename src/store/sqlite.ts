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
import { StorageUrlError } from "./errors.ts";
import type { Database as Schema, Db } from "./schema.ts";

/** Parses `sqlite:PATH` (also `sqlite::memory:` and `sqlite:///abs/path`). */
function sqlitePathOf(url: string): string {
  const path = url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
  if (path === "") throw new StorageUrlError({ message: `storage: "sqlite:" needs a file path, e.g. "sqlite:./data/switchboard.db"` });
  return path;
}

/**
 * Kysely's SQLite driver prepares every statement anew; the pipeline runs the same few dozen
 * statements all day, so compiled statements are kept (libsql statements are reusable).
 */
function withStatementCache(sqlite: Database.Database) {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let statement = cache.get(text);
      if (!statement) {
        statement = sqlite.prepare(text);
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
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) as never }) });
}

/** SQLite, one file per deployment. */
export const sqliteDialect: StoreDialect = {
  name: "sqlite",
  open,
  // AUTOINCREMENT: ids are never reused, even after the newest row was deleted.
  autoIncrementId: (table, column) => table.addColumn(column, "integer", (c) => c.primaryKey().autoIncrement()),
  // The pending index as shipped: an index entry ends with the rowid, so it serves the order too.
  inboxArrival: { column: (table) => table, order: sql`rowid`, pendingIndex: ["bot_id", "processed", "update_id"] },
  copy: {
    rowKey: sql<number>`rowid`,
    // AUTOINCREMENT's counter (sqlite_sequence) already follows ids inserted explicitly.
    resyncIdentities: async () => {},
  },
};
