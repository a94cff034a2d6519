/**
 * Which dialect a handle speaks. Repositories take a plain `Db` (the store or a transaction of
 * it); the few statements whose SQL differs between engines, and statements compiled once per
 * engine, find the engine here. The key is the handle's dialect adapter, which a Kysely handle
 * shares with all its transactions.
 */
import type { Kysely, QueryResult } from "kysely";
import type { StoreDialect } from "./dialect.ts";

const dialects = new WeakMap<object, StoreDialect>();

/**
 * The identity of a handle's engine connection, the same for the handle and its transactions.
 * `getExecutor()` is public in Kysely's types but documented as internal: this is the one place
 * that relies on it (pinned kysely 0.28; test/store/engine.test.ts covers transactions).
 */
export const engineKey = (db: Kysely<any>): object => db.getExecutor().adapter;

/** Records that `db` (and every transaction of it) speaks `dialect`; done once when a store opens. */
export function bindDialect(db: Kysely<any>, dialect: StoreDialect): void {
  dialects.set(engineKey(db), dialect);
}

/** The dialect of a handle opened by the store; throws for a handle that did not come from it. */
export function dialectOfDb(db: Kysely<any>): StoreDialect {
  const dialect = dialects.get(engineKey(db));
  if (!dialect) throw new Error("store: this Kysely handle was not opened by openStore or the Store service");
  return dialect;
}

/**
 * Runs a compiled statement at once, on engines whose driver is synchronous (SQLite), or answers
 * undefined when it cannot run now and must go through Kysely's executor (see sqlite.ts).
 */
export type DirectRunner = (db: Kysely<any>, sql: string, values: readonly unknown[]) => QueryResult<unknown> | undefined;

const directRunners = new WeakMap<object, DirectRunner>();

/** Records how `db`'s engine runs a statement at once; done once by a synchronous dialect's `open`. */
export function bindDirectRunner(db: Kysely<any>, runner: DirectRunner): void {
  directRunners.set(engineKey(db), runner);
}

/** The engine's {@link DirectRunner}, or undefined for engines that only answer asynchronously. */
export const directRunnerOf = (db: Kysely<any>): DirectRunner | undefined => directRunners.get(engineKey(db));

/**
 * Runs `f` at once inside a transaction of its own and answers what it returns, or answers
 * undefined (without calling `f`) when the engine cannot do that now: it is asynchronous
 * (PostgreSQL), or another transaction is open on its connection. `f` must be synchronous and
 * run its statements with `Prepared.runNow` on the same handle; if it throws, the transaction
 * rolls back and the error is thrown.
 */
export type TransactNow = <A>(f: () => A) => A | undefined;

const transactors = new WeakMap<object, TransactNow>();

/** Records how `db` runs a synchronous transaction; done once by a synchronous dialect's `open`. */
export function bindTransactNow(db: Kysely<any>, transact: TransactNow): void {
  transactors.set(db, transact);
}

/**
 * `db`'s {@link TransactNow}, or undefined. Only the very handle the dialect opened has one (not
 * its transactions, not other handles on the same engine).
 */
export const transactNowOf = (db: Kysely<any>): TransactNow | undefined => transactors.get(db);
