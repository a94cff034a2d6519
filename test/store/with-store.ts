/**
 * Runs store tests on every storage engine, as Kysely runs its own tests over every dialect: a
 * test file wraps its cases in `describe.each(testEngines)` and takes `storeOn(engine)`. Each
 * use gets a fresh store — a real SQLite file in a temporary folder, or a database of its own on
 * the real PostgreSQL server — removed afterwards, also when the body throws.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Layer } from "effect";
import { layerTest, make, Store, type StoreService } from "../../src/store/store.ts";
import { createTestDatabase } from "../support/postgres.ts";

/** The engines every store test runs on. */
export type TestEngine = "sqlite" | "postgres";
export const testEngines: readonly TestEngine[] = ["sqlite", "postgres"];

/** A fresh, empty storage URL of `engine`, and how to remove it. */
export async function freshStorage(engine: TestEngine): Promise<{ url: string; remove(): Promise<void> }> {
  if (engine === "postgres") {
    const database = await createTestDatabase();
    return { url: database.url, remove: database.drop };
  }
  const dir = mkdtempSync(join(tmpdir(), "switchboard-store-"));
  return { url: `sqlite:${join(dir, "store.db")}`, remove: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** The `Store` service on a fresh store of `engine`, removed when the layer closes. */
export const storeLayerOn = (engine: TestEngine): Layer.Layer<Store> =>
  engine === "sqlite"
    ? layerTest
    : Layer.scoped(
      Store,
      Effect.gen(function* () {
        const storage = yield* Effect.acquireRelease(Effect.promise(() => freshStorage(engine)), (s) => Effect.promise(() => s.remove()));
        return yield* make(storage.url);
      }).pipe(Effect.orDie),
    );

/** `withStore(body)` on `engine`: opens a fresh store, runs `body` on it, and closes (and removes) it. */
export const storeOn = (engine: TestEngine) => <A>(body: (store: StoreService) => Promise<A>): Promise<A> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const store = yield* Store;
      return yield* Effect.promise(() => body(store));
    }).pipe(Effect.provide(storeLayerOn(engine))),
  );

/** `withStore(body)` on SQLite only (the Store service's own test layer); new store tests run on every engine. */
export const withStore = storeOn("sqlite");
