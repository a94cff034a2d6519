/**
 * The `Store` service: the typed Kysely handle of the deployment's database and the dialect it
 * speaks, open exactly as long as its Scope. Repositories (`inbox.ts`, `outbox.ts`, …) stay plain
 * functions of a `Db`, so they run alike on the store and inside a transaction of it; `use` runs
 * one of them as an Effect with a typed error.
 *
 *   const store = yield* Store
 *   const pending = yield* store.use((db) => pendingUpdates(db, botId, 100))
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import type * as Scope from "effect/Scope";
import type { StoreDialect } from "./dialect.ts";
import { StorageUrlError, StoreError, storeError } from "./errors.ts";
import { migrateStore } from "./migrations.ts";
import { openWith } from "./open.ts";
import type { Db } from "./schema.ts";
import { dialectOf } from "./url.ts";

/** What the `Store` service offers. */
export interface StoreService {
  /** The typed handle; destroyed when the service's Scope closes. */
  readonly db: Db;
  /** The engine behind `db`, for the few places where engines differ (migrations of plugins, say). */
  readonly dialect: StoreDialect;
  /** Runs a repository call (or a transaction) on `db`; a rejection becomes a {@link StoreError}. */
  use<A>(f: (db: Db) => Promise<A>): Effect.Effect<A, StoreError>;
}

/** The service's tag. */
export class Store extends Context.Tag("switchboard/Store")<Store, StoreService>() {}

/**
 * Opens the store named by `url`, migrates it, and destroys the handle when the Scope closes
 * (also when the migration fails).
 */
export const make = (url: string): Effect.Effect<StoreService, StorageUrlError | StoreError, Scope.Scope> =>
  Effect.gen(function* () {
    const dialect = yield* Effect.try({ try: () => dialectOf(url), catch: (e) => e as StorageUrlError });
    const db = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => openWith(dialect, url), catch: (e) => (e instanceof StorageUrlError ? e : storeError(`opening ${dialect.name} storage`, e)) }),
      // Closing a handle that already failed has nothing left to report.
      (db) => Effect.promise(() => db.destroy().catch(() => undefined)),
    );
    yield* Effect.tryPromise({ try: () => migrateStore(db, dialect), catch: (e) => storeError("migrating storage", e) });
    return {
      db,
      dialect,
      use: <A>(f: (db: Db) => Promise<A>) => query("a query", () => f(db)),
    };
  });

/** The store of the config's `storage` URL, open for the layer's lifetime. */
export const layer = (url: string): Layer.Layer<Store, StorageUrlError | StoreError> => Layer.scoped(Store, make(url));

/** A fresh SQLite file in a temporary folder of its own, removed (folder and all) when the layer closes. */
export const layerTest: Layer.Layer<Store> = Layer.scoped(
  Store,
  Effect.gen(function* () {
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "switchboard-store-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true })),
    );
    return yield* make(`sqlite:${join(dir, "store.db")}`);
  }).pipe(Effect.orDie),
);

/** Runs a repository call as an Effect; a rejection becomes a {@link StoreError} saying what was being done. */
export const query = <A>(doing: string, run: () => Promise<A>): Effect.Effect<A, StoreError> =>
  Effect.tryPromise({ try: run, catch: (e) => storeError(doing, e) });

/**
 * {@link query} for a call that a synchronous engine (SQLite) can answer at once: `now` runs
 * first and its answer is used without suspending the fiber (a suspension per statement was a
 * large share of the hot path's CPU); when it answers undefined, `later` runs as {@link query}.
 */
export const queryNow = <A>(doing: string, now: () => A | undefined, later: () => Promise<A>): Effect.Effect<A, StoreError> =>
  Effect.suspend(() => {
    let answer: A | undefined;
    try {
      answer = now();
    } catch (e) {
      return Effect.fail(storeError(doing, e));
    }
    return answer !== undefined ? Effect.succeed(answer) : query(doing, later);
  });

export { StorageUrlError, StoreError } from "./errors.ts";
