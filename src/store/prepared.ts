/**
 * Statements built with Kysely's query builder once, then run with fresh parameters: a relayed
 * message runs the same dozen statements, and rebuilding and recompiling each one's query tree
 * cost about a third of the statement's time (see bench/store.ts). The builder still writes
 * the SQL, so it stays typed and each engine gets its own placeholders and quoting.
 *
 * Batches (many rows inserted, an `in` list of ids) are one statement per batch size, not one
 * statement per row: each statement crossing into the engine costs more than its extra values.
 */
import { type Compilable, CompiledQuery, type QueryResult } from "kysely";
import { directRunnerOf, engineKey } from "./engine.ts";
import type { Db } from "./schema.ts";

/** Stands for a named parameter (or one element of a list parameter) while the statement is compiled. */
class Slot {
  readonly name: string;
  readonly index: number;
  constructor(name: string, index: number) {
    this.name = name;
    this.index = index;
  }
}

/** A compiled statement: its text, and for each placeholder a parameter slot or a constant. */
interface Compiled {
  readonly sql: string;
  readonly slots: readonly (Slot | { readonly value: unknown })[];
}

/** The names of `P`'s list parameters. */
type ListName<P> = { [K in keyof P & string]: P[K] extends readonly unknown[] ? K : never }[keyof P & string];

/** How a statement's builder refers to its parameters: `p("bot")`, or `p("ids", i)` for the i-th element of a list. */
export interface ParamRef<P> {
  <K extends keyof P & string>(name: K): P[K];
  <K extends ListName<P>>(name: K, index: number): P[K] extends readonly (infer E)[] ? E : never;
}

/** A statement compiled once per engine (and per batch size); see the module comment. */
export interface Prepared<P, R> {
  /**
   * Runs it on `db` (the store or a transaction) with `params`. `size` is the length of the list
   * parameters for a batch statement (all lists of one call have that length; at most
   * `maxBatch`).
   */
  run(db: Db, params: P, size?: number): Promise<QueryResult<R>>;
  /**
   * Runs it at once where the engine allows (SQLite, see sqlite.ts), or answers undefined: the
   * caller then awaits {@link run}. Throws what the statement throws. The hot path uses this to
   * read without suspending.
   */
  runNow(db: Db, params: P, size?: number): QueryResult<R> | undefined;
  /**
   * {@link runNow} where it must run: inside a synchronous transaction (`TransactNow`, see
   * engine.ts). Throws if the engine cannot run it at once.
   */
  runSync(db: Db, params: P, size?: number): QueryResult<R>;
}

/** The longest batch one statement takes: bounds both the placeholders and the number of compiled variants. */
const maxBatch = 100;

/**
 * Prepares a statement whose parameters `P` are named; `build` refers to them through `p` and
 * is called once per engine and batch size `n` (0 for statements without lists). Values
 * written as constants in the builder stay constants.
 *
 *   const byChat = prepare<{ bot: string; chat: number }>()((db, p) =>
 *     db.selectFrom("conversations").selectAll().where("bot_id", "=", p("bot")).where("chat_id", "=", p("chat")))
 *   const { rows } = await byChat.run(db, { bot, chat })
 *
 *   const remove = prepare<{ ids: readonly number[] }>()((db, p, n) =>
 *     db.deleteFrom("outbox").where("id", "in", Array.from({ length: n }, (_, i) => p("ids", i))))
 *   await remove.run(db, { ids }, ids.length)
 */
export const prepare = <P extends Record<string, unknown>>() =>
<R>(build: (db: Db, p: ParamRef<P>, n: number) => Compilable<R>): Prepared<P, R> => {
  // Per engine (see engine.ts), then per batch size; compiled on first use.
  const compiled = new WeakMap<object, Compiled[]>();
  const ref = ((name: string, index = -1) => new Slot(name, index)) as ParamRef<P>;
  const compile = (db: Db, size: number): Compiled => {
    const query = build(db, ref, size).compile();
    const c: Compiled = { sql: query.sql, slots: query.parameters.map((v) => (v instanceof Slot ? v : { value: v })) };
    const bySize = compiled.get(engineKey(db)) ?? [];
    bySize[size] = c;
    compiled.set(engineKey(db), bySize);
    return c;
  };
  const bind = (db: Db, params: P, size: number): { sql: string; values: unknown[] } => {
    if (size > maxBatch) throw new RangeError(`store: a batch statement takes at most ${maxBatch} rows, got ${size}`);
    const c = compiled.get(engineKey(db))?.[size] ?? compile(db, size);
    const values = new Array<unknown>(c.slots.length);
    for (let i = 0; i < values.length; i++) {
      const slot = c.slots[i]!;
      values[i] = slot instanceof Slot ? (slot.index < 0 ? params[slot.name] : (params[slot.name] as readonly unknown[])[slot.index]) : slot.value;
    }
    return { sql: c.sql, values };
  };
  const runNow = (db: Db, params: P, size = 0): QueryResult<R> | undefined => {
    const direct = directRunnerOf(db);
    if (!direct) return undefined;
    const { sql, values } = bind(db, params, size);
    return direct(db, sql, values) as QueryResult<R> | undefined;
  };
  return {
    runNow,
    runSync(db, params, size = 0) {
      const now = runNow(db, params, size);
      if (!now) throw new Error("store: a statement could not run at once (only inside a synchronous transaction on SQLite)");
      return now;
    },
    run(db, params, size = 0) {
      try {
        const now = runNow(db, params, size);
        if (now) return Promise.resolve(now);
        const { sql, values } = bind(db, params, size);
        return db.executeQuery<R>(CompiledQuery.raw(sql, values) as CompiledQuery<R>);
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
};

/** Calls `f` with consecutive pieces of `items`, each at most `maxBatch` long. */
export async function inBatches<T>(items: readonly T[], f: (batch: readonly T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += maxBatch) await f(i === 0 && items.length <= maxBatch ? items : items.slice(i, i + maxBatch));
}

/** {@link inBatches} for synchronous statements (`Prepared.runSync`). */
export function inBatchesSync<T>(items: readonly T[], f: (batch: readonly T[]) => unknown): void {
  for (let i = 0; i < items.length; i += maxBatch) f(i === 0 && items.length <= maxBatch ? items : items.slice(i, i + maxBatch));
}
