/** Runs a test body against a fresh store from the `Store` service's test layer (a real SQLite file, removed afterwards). */
import { Effect } from "effect";
import { layerTest, Store, type StoreService } from "../../src/store/store.ts";

/** Opens a fresh store, runs `body` on it, and closes (and removes) it, also when `body` throws. */
export const withStore = <A>(body: (store: StoreService) => Promise<A>): Promise<A> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const store = yield* Store;
      return yield* Effect.promise(() => body(store));
    }).pipe(Effect.provide(layerTest)),
  );
