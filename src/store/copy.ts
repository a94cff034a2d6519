/**
 * Copying a deployment from one store into another (`switchboard migrate --from … --to …`):
 * every table the source holds — the core's (conversations, message map, outbox, timers, inbox,
 * proxy updates, MTProto session, and whatever later migrations add) and the plugins' — row for
 * row, into a target already migrated to the same schema.
 *
 * Resumable: each table is read in the source's row order (`StoreDialect.copy.rowKey`) in
 * chunks, and each chunk is inserted in one target transaction together with the progress it
 * makes (`switchboard_copy_progress`), so a copy that was interrupted — killed, a lost
 * connection — continues after its last committed chunk when run again, and never copies a row
 * twice, also in tables without a unique key (the message map). Inserts skip rows the target
 * already holds (`on conflict do nothing`) as a second guard. Rows keep their ids; the target's
 * auto-numbering is moved past them afterwards.
 *
 * Run it with Switchboard stopped: rows written to or removed from the source during the copy
 * are not followed (the count check at the end shows it).
 */
import { type Kysely, sql } from "kysely";
import { dialectOfDb } from "./engine.ts";

/** The target's record of what was copied, one row per table. */
export const PROGRESS_TABLE = "switchboard_copy_progress";

/**
 * Tables that are not the deployment's data: each store keeps its own migration bookkeeping, and
 * who owns which bot (leases, instances) belongs to the instances running on that store.
 */
const isBookkeeping = (table: string): boolean =>
  table === PROGRESS_TABLE || table === "leases" || table === "instances" || /^kysely_migration(_lock)?$/.test(table) || /^plugin_.+_migration(_lock)?$/.test(table);

/** A copy cannot start or go on; the message says why and what to do. */
export class CopyError extends Error {
  override readonly name = "CopyError";
}

/** One table's rows in the source and in the target, after the copy. */
export interface TableCount {
  readonly table: string;
  readonly source: number;
  readonly target: number;
}

/** Options of {@link copyStore}. */
export interface CopyOptions {
  /** Names the source in the target's progress, so a resumed copy cannot mix two sources. */
  readonly sourceName: string;
  /** Rows per chunk (one target transaction each); fewer when a table has many columns. */
  readonly chunkRows?: number;
  /**
   * Called after each committed chunk with the rows of `table` copied so far (the CLI's progress;
   * a test interrupts a copy by throwing here).
   */
  readonly onChunk?: (table: string, copied: number) => void | Promise<void>;
  /** Called when a table is complete (also when an earlier run completed it). */
  readonly onTable?: (table: string, copied: number, resumed: boolean) => void;
}

/** The parameters one statement may carry on every engine (SQLite's limit is 32,766). */
const MAX_PARAMETERS = 30_000;

interface Progress {
  table_name: string;
  source: string;
  after_key: number | null;
  copied: number;
  done: number;
}

/** The data tables of a store with their columns, by name. */
async function tablesOf(db: Kysely<any>): Promise<Map<string, string[]>> {
  const tables = await db.introspection.getTables();
  return new Map(tables.filter((t) => !t.isView && !isBookkeeping(t.name)).map((t) => [t.name, t.columns.map((c) => c.name)]));
}

const countRows = async (db: Kysely<any>, table: string): Promise<number> =>
  Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);

/**
 * Copies every data table of `source` into `target` (both migrated to the same schema, plugin
 * tables included) and returns each table's row count on both sides; resumes an interrupted
 * copy. Throws {@link CopyError} when the source engine cannot be read in row order, when a
 * source table or column has no counterpart in the target, or when the target already holds
 * rows it did not get from this source.
 */
export async function copyStore(source: Kysely<any>, target: Kysely<any>, o: CopyOptions): Promise<TableCount[]> {
  const from = dialectOfDb(source);
  const to = dialectOfDb(target);
  const rowKey = from.copy.rowKey;
  if (!rowKey) throw new CopyError(`a ${from.name} store cannot be the source of a copy (it has no row order to resume by); copy from SQLite`);

  const sourceTables = await tablesOf(source);
  const targetTables = await tablesOf(target);
  for (const [table, columns] of sourceTables) {
    const there = targetTables.get(table);
    if (!there) {
      throw new CopyError(
        `the source's table "${table}" has no counterpart in the target: if a plugin of yours created it, pass --config FILE with that plugin so its migrations run on the target`,
      );
    }
    const missing = columns.filter((c) => !there.includes(c));
    if (missing.length > 0) throw new CopyError(`the target's table "${table}" lacks the source's column(s) ${missing.join(", ")}: migrate both to the same release first`);
  }

  await target.schema
    .createTable(PROGRESS_TABLE)
    .ifNotExists()
    .addColumn("table_name", "text", (c) => c.primaryKey())
    .addColumn("source", "text", (c) => c.notNull())
    // The row key of the last source row copied; null before the first chunk.
    .addColumn("after_key", "bigint")
    .addColumn("copied", "bigint", (c) => c.notNull())
    .addColumn("done", "integer", (c) => c.notNull())
    .execute();

  const names = [...sourceTables.keys()].sort();
  for (const table of names) {
    const columns = sourceTables.get(table)!;
    let progress = (await target.selectFrom(PROGRESS_TABLE).selectAll().where("table_name", "=", table).executeTakeFirst()) as Progress | undefined;
    if (progress && progress.source !== o.sourceName) {
      throw new CopyError(`the target holds a copy of "${table}" from ${progress.source}, not from ${o.sourceName}: copy into a new, empty database`);
    }
    if (!progress) {
      const present = await countRows(target, table);
      if (present > 0) throw new CopyError(`the target's table "${table}" already holds ${present} row(s) that did not come from this copy: copy into a new, empty database`);
      progress = { table_name: table, source: o.sourceName, after_key: null, copied: 0, done: 0 };
      await target.insertInto(PROGRESS_TABLE).values(progress).execute();
    }
    const resumed = progress.copied > 0 || progress.done === 1;
    const chunk = Math.max(1, Math.min(o.chunkRows ?? 500, Math.floor(MAX_PARAMETERS / columns.length)));
    let after = progress.after_key === null ? null : Number(progress.after_key);
    let copied = Number(progress.copied);
    while (progress.done !== 1) {
      let query = source.selectFrom(table).select(columns).select(sql<number>`${rowKey}`.as("__copy_key")).orderBy(sql`${rowKey}`).limit(chunk);
      if (after !== null) query = query.where(sql<boolean>`${rowKey} > ${after}`);
      const rows = await query.execute();
      if (rows.length === 0) break;
      const lastKey = Number(rows[rows.length - 1]!.__copy_key);
      const values = rows.map(({ __copy_key: _, ...row }) => row);
      await target.transaction().execute(async (tx) => {
        await tx.insertInto(table).values(values).onConflict((c) => c.doNothing()).execute();
        await tx.updateTable(PROGRESS_TABLE).set({ after_key: lastKey, copied: copied + rows.length }).where("table_name", "=", table).execute();
      });
      after = lastKey;
      copied += rows.length;
      await o.onChunk?.(table, copied);
    }
    if (progress.done !== 1) {
      await to.copy.resyncIdentities(target, table);
      await target.updateTable(PROGRESS_TABLE).set({ done: 1 }).where("table_name", "=", table).execute();
    }
    o.onTable?.(table, copied, resumed);
  }

  const counts: TableCount[] = [];
  for (const table of names) counts.push({ table, source: await countRows(source, table), target: await countRows(target, table) });
  return counts;
}
