/**
 * A fenced handle: the same connections as the store's, but every transaction begins with the
 * lease check (store/leases.ts `checkLease`), and every write outside a transaction runs in one
 * that begins with it. The owner of a bot runs the bot's whole pipeline — processor, delivery,
 * timers, plugins' senders, proxy pusher — on such a handle, so none of their writes can commit
 * after the lease was taken over, whichever repository function makes it; none of them needs to
 * know. It works at Kysely's driver level (begin, commit, one statement), which every query
 * builder and prepared statement goes through.
 */
import type { CompiledQuery, DatabaseConnection, Driver, QueryResult, TransactionSettings } from "kysely";

/** The check a fenced handle runs first in every transaction, on that transaction's connection. */
export type Fence = (connection: DatabaseConnection) => Promise<void>;

const writeKinds = new Set(["InsertQueryNode", "UpdateQueryNode", "DeleteQueryNode", "MergeQueryNode"]);
// Prepared statements (prepared.ts) run as raw SQL: their first word says what they do.
const writesRaw = /^\s*(insert|update|delete|merge|with)\b/i;

/** Whether a statement may write. */
const isWrite = (query: CompiledQuery): boolean =>
  writeKinds.has(query.query.kind) || (query.query.kind === "RawNode" && writesRaw.test(query.sql));

/** A connection that knows whether it is inside a transaction, and fences lone writes. */
class FencedConnection implements DatabaseConnection {
  readonly inner: DatabaseConnection;
  readonly #fence: Fence;
  readonly #begin: CompiledQuery;
  readonly #commit: CompiledQuery;
  readonly #rollback: CompiledQuery;
  inTransaction = false;
  constructor(inner: DatabaseConnection, fence: Fence, control: { begin: CompiledQuery; commit: CompiledQuery; rollback: CompiledQuery }) {
    this.inner = inner;
    this.#fence = fence;
    this.#begin = control.begin;
    this.#commit = control.commit;
    this.#rollback = control.rollback;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.inTransaction || !isWrite(query)) return this.inner.executeQuery<R>(query);
    await this.inner.executeQuery(this.#begin);
    try {
      await this.#fence(this.inner);
      const result = await this.inner.executeQuery<R>(query);
      await this.inner.executeQuery(this.#commit);
      return result;
    } catch (error) {
      await this.inner.executeQuery(this.#rollback).catch(() => undefined);
      throw error;
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

/**
 * Wraps `base` (a driver on the store's pool) so that its transactions and lone writes are
 * fenced. `destroy` leaves the pool alone: the store owns it.
 */
export class FencingDriver implements Driver {
  readonly #base: Driver;
  readonly #fence: Fence;
  readonly #control: { begin: CompiledQuery; commit: CompiledQuery; rollback: CompiledQuery };
  readonly #wrapped = new WeakMap<DatabaseConnection, FencedConnection>();

  constructor(base: Driver, fence: Fence, control: { begin: CompiledQuery; commit: CompiledQuery; rollback: CompiledQuery }) {
    this.#base = base;
    this.#fence = fence;
    this.#control = control;
  }

  init(): Promise<void> {
    return this.#base.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await this.#base.acquireConnection();
    let fenced = this.#wrapped.get(inner);
    if (!fenced) this.#wrapped.set(inner, (fenced = new FencedConnection(inner, this.#fence, this.#control)));
    return fenced;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const c = connection as FencedConnection;
    await this.#base.beginTransaction(c.inner, settings);
    c.inTransaction = true;
    try {
      await this.#fence(c.inner);
    } catch (error) {
      // Kysely rolls back only a transaction whose begin succeeded: the connection must not go
      // back to the pool with this one still open.
      c.inTransaction = false;
      await this.#base.rollbackTransaction(c.inner).catch(() => undefined);
      throw error;
    }
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as FencedConnection;
    c.inTransaction = false;
    await this.#base.commitTransaction(c.inner);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as FencedConnection;
    c.inTransaction = false;
    await this.#base.rollbackTransaction(c.inner);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const c = connection as FencedConnection;
    c.inTransaction = false;
    await this.#base.releaseConnection(c.inner);
  }

  async destroy(): Promise<void> {}
}
