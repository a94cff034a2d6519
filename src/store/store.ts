/**
 * The `Store` service: the typed Kysely handle of one deployment, opened when its Scope opens and
 * destroyed when it closes. Repositories stay plain functions of `Db`; Effect code reaches them
 * through {@link query}, which turns a rejected query into a typed {@link StoreError}.
 */
import { Context, Data, Effect, Layer } from "effect";
import { type Db, openStore } from "./open.ts";

/** A query or transaction that failed (the store is down, the disk is full, a constraint broke). */
export class StoreError extends Data.TaggedError("StoreError")<{ readonly operation: string; readonly cause: unknown }> {
  override get message(): string {
    return `${this.operation}: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`;
  }
}

/** What the service holds. */
export interface StoreService {
  readonly db: Db;
}

/** See the module comment. */
export class Store extends Context.Tag("switchboard/Store")<Store, StoreService>() {
  /** Opens and migrates the store at `url` for the life of the layer. */
  static readonly layer = (url: string): Layer.Layer<Store, unknown> =>
    Layer.scoped(
      Store,
      Effect.acquireRelease(
        Effect.tryPromise({ try: () => openStore(url), catch: (error) => error }),
        (db) => Effect.promise(() => db.destroy()),
      ).pipe(Effect.map((db) => ({ db }))),
    );

  /** A store someone else opened (and closes): tests, the sandbox, benchmarks. */
  static readonly fromDb = (db: Db): Layer.Layer<Store> => Layer.succeed(Store, { db });
}

/** Runs a repository call as an Effect, failing with a {@link StoreError} named `operation`. */
export const query = <A>(operation: string, run: () => Promise<A>): Effect.Effect<A, StoreError> =>
  Effect.tryPromise({ try: run, catch: (cause) => new StoreError({ operation, cause }) });
