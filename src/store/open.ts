/**
 * Opens the store named by the config's `storage` URL and migrates it.
 * SQLite goes through `libsql` (prebuilt, loads on Node and Deno) behind Kysely's own
 * SqliteDialect, which only needs a better-sqlite3-shaped `prepare/all/run/iterate` object.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { Kysely, SqliteDialect } from "kysely";
import Database from "libsql";
import { migrateToLatest } from "./migrations.ts";
import type { Database as Schema } from "./schema.ts";

/** The typed Kysely handle every repository takes. */
export type Db = Kysely<Schema>;

/** Thrown for a storage URL this build cannot open, with the URL in the message. */
export class StorageUrlError extends Error {
  override readonly name = "StorageUrlError";
}

/** Parses `sqlite:PATH` (also `sqlite::memory:`); other schemes are rejected with a reason. */
export function sqlitePathOf(url: string): string {
  if (!url.startsWith("sqlite:")) {
    if (/^postgres(ql)?:\/\//.test(url)) {
      throw new StorageUrlError(`storage: PostgreSQL (${url.replace(/\/\/[^@]*@/, "//***@")}) is not supported yet; use "sqlite:PATH"`);
    }
    throw new StorageUrlError(`storage: expected "sqlite:PATH", got "${url}"`);
  }
  const path = url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
  if (path === "") throw new StorageUrlError(`storage: "sqlite:" needs a file path, e.g. "sqlite:./data/switchboard.db"`);
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
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        cache.set(sql, statement);
        // Queries with variable-length IN lists have many shapes: keep the cache bounded.
        if (cache.size > 500) cache.delete(cache.keys().next().value!);
      }
      return statement;
    },
  };
}

/** Opens (creating folders as needed), sets WAL, and migrates. The caller owns `destroy()`. */
export async function openStore(url: string): Promise<Db> {
  const path = sqlitePathOf(url);
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  // WAL lets readers run beside the single writer; NORMAL sync is crash-safe for the process
  // (SIGKILL loses nothing committed) and only risks the last commits on a power cut.
  sqlite.exec("pragma journal_mode = wal; pragma synchronous = normal; pragma busy_timeout = 5000; pragma foreign_keys = on;");
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) as never }) });
  await migrateToLatest(db);
  return db;
}
