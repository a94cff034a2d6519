/**
 * The dialect seam: everything that differs between storage engines, in one small interface.
 * SQLite implements it in `sqlite.ts`, PostgreSQL in `postgres.ts`. Outside a
 * dialect's file, the store speaks only SQL both engines understand through Kysely: no `rowid`,
 * no `sqlite_master`, no pragmas.
 *
 * What needs no member, because both engines agree through Kysely: upserts (`on conflict …
 * do update` / `do nothing`, with or without a conflict target), `returning`, and the row
 * counts of an insert or update. Placeholders (`?` or `$1`) and quoting differ, but each
 * Kysely dialect compiles its own, and prepared statements compile once per engine
 * (see `prepared.ts`).
 */
import type { CreateTableBuilder, Expression, Kysely } from "kysely";
import type { Fence } from "./fencing.ts";
import type { Db } from "./schema.ts";

/** One storage engine. */
export interface StoreDialect {
  /** Short engine name for logs and errors, e.g. "sqlite". */
  readonly name: string;
  /**
   * Opens the database a storage URL of this engine names (the URL's scheme already routed it
   * here): creates what must exist first (folders), applies the engine's session settings, and
   * returns the typed handle. Integer columns, `bigint` ones and `count(*)` included, read back
   * as JS numbers (Telegram ids stay below 2^53), so repositories never convert. It does not
   * migrate; the caller owns `destroy()`. Rejects with `StorageUrlError` for a malformed URL.
   */
  open(url: string): Promise<Db>;
  /**
   * Adds an auto-numbered integer primary key column to a table being created (SQLite:
   * `integer primary key autoincrement`, so numbers are never reused; PostgreSQL: an identity).
   */
  autoIncrementId(table: CreateTableBuilder<any, any>, column: string): CreateTableBuilder<any, any>;
  /**
   * True where a multi-row insert numbers its rows consecutively in the order of its values and
   * its result's `insertId` is the last row's (SQLite: one writer, `lastInsertRowid`): the ids
   * are then known without `returning`, which costs a reader statement per insert there.
   */
  readonly consecutiveInsertIds?: boolean;
  /** The inbox's arrival order: synthetic updates (negative ids) interleave where they happened. */
  readonly inboxArrival: {
    /**
     * Adds what the order needs to the inbox table as it is created. SQLite numbers every row
     * already (`rowid`) and adds nothing; an engine without row numbers adds an identity column.
     */
    column(table: CreateTableBuilder<any, any>): CreateTableBuilder<any, any>;
    /** The expression to order pending inbox rows by, oldest first. */
    readonly order: Expression<unknown>;
    /** The columns of the index the pending rows are read through (bot, processed, then the order), as migration 0001 created it. */
    readonly pendingIndex: readonly string[];
    /**
     * The columns migration 0012 gives that index when 0001's does not yield the rows in `order`
     * (so every read sorted all pending rows first); undefined where it already does.
     */
    readonly pendingIndexInOrder?: readonly string[];
  };
  /** What copying a deployment between stores (`switchboard migrate --from … --to …`, `copy.ts`) needs. */
  readonly copy: {
    /**
     * An integer key every table's rows can be read in, page by page, in insertion order (SQLite:
     * `rowid`). Absent for an engine without one: it can be the target of a copy, not the source.
     */
    readonly rowKey?: Expression<number>;
    /**
     * Called after rows were copied into `table` with their own ids: moves the engine's
     * auto-numbering past them, so the next row inserted gets a new id.
     */
    resyncIdentities(db: Kysely<any>, table: string): Promise<void>;
  };
  /**
   * A handle on the same connections as `db` whose every transaction, and every write outside
   * one, first runs `fence` (fencing.ts): what a bot's owner writes through when several
   * instances share the store. Absent for an engine that serves one instance only (SQLite).
   */
  readonly fenced?: (db: Db, fence: Fence) => Db;
}
