/**
 * Opens the store named by the config's `storage` URL and migrates it: the promise-shaped way
 * in, for callers outside Effect. The `Store` service (`store.ts`) opens through `openWith` too.
 */
import type { StoreDialect } from "./dialect.ts";
import { bindDialect } from "./engine.ts";
import { migrateStore } from "./migrations.ts";
import type { Db } from "./schema.ts";
import { dialectOf } from "./url.ts";

export type { Db } from "./schema.ts";
export { StorageUrlError } from "./errors.ts";

/** Opens `url` with `dialect` and remembers which dialect the handle speaks; does not migrate. */
export async function openWith(dialect: StoreDialect, url: string): Promise<Db> {
  const db = await dialect.open(url);
  bindDialect(db, dialect);
  return db;
}

/**
 * Opens (creating folders as needed) and migrates. The caller owns `destroy()`. Rejects with
 * `StorageUrlError` for a URL this build cannot open, or with the failing migration's name.
 */
export async function openStore(url: string): Promise<Db> {
  const dialect = dialectOf(url);
  const db = await openWith(dialect, url);
  try {
    await migrateStore(db, dialect);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}
