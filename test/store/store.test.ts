/** The `Store` service: scoped opening and closing, typed errors, and its test layer's temporary file. */
import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cause, Effect, Exit, Layer } from "effect";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open.ts";
import { layer, layerTest, make, Store } from "../../src/store/store.ts";
import { tempDir } from "../support/world.ts";

const storeDirs = () => new Set(readdirSync(tmpdir()).filter((n) => n.startsWith("switchboard-store-")));

describe("Store service", () => {
  it("opens a migrated store for the scope and destroys the handle when the scope closes", async () => {
    const path = join(tempDir(), "nested", "store.db");
    const db = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const store = yield* make(`sqlite:${path}`);
          expect(store.dialect.name).toBe("sqlite");
          // Migrated: the newest schema's tables are there, the outbox without its old lane column.
          yield* store.use((db) => db.insertInto("outbox").values({ bot_id: "b", chat_id: 1, intent: "{}", attempts: 0, not_before: 0, created_at: 0 }).execute());
          const rows = yield* store.use((db) => db.selectFrom("outbox").selectAll().execute());
          expect(Object.keys(rows[0]!).sort()).toEqual(["attempts", "bot_id", "chat_id", "created_at", "id", "intent", "not_before"]);
          return store.db;
        }),
      ),
    );
    expect(existsSync(path)).toBe(true);
    await expect(db.selectFrom("outbox").selectAll().execute()).rejects.toThrow();
    // The data outlived the handle.
    const again = await openStore(`sqlite:${path}`);
    try {
      expect(await again.selectFrom("outbox").select("chat_id").execute()).toEqual([{ chat_id: 1 }]);
    } finally {
      await again.destroy();
    }
  });

  it("turns a failed repository call into a StoreError", async () => {
    const exit = await Effect.runPromiseExit(
      Effect.gen(function* () {
        const store = yield* Store;
        return yield* store.use((db) => db.selectFrom("no_such_table" as never).selectAll().execute());
      }).pipe(Effect.provide(layerTest)),
    );
    expect(Exit.isFailure(exit)).toBe(true);
    const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : undefined;
    expect(error?._tag === "Some" && error.value._tag).toBe("StoreError");
    expect(error?._tag === "Some" && error.value.message).toMatch(/^store: a query failed: .*no_such_table/);
  });

  it("fails with StorageUrlError for URLs it cannot open, keeping today's messages", async () => {
    const failure = async (url: string) => {
      const exit = await Effect.runPromiseExit(Layer.build(layer(url)).pipe(Effect.scoped));
      const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : undefined;
      return error?._tag === "Some" ? error.value : undefined;
    };
    expect(await failure("postgres://user:secret@db.example/switchboard")).toMatchObject({
      _tag: "StorageUrlError",
      message: `storage: PostgreSQL (postgres://***@db.example/switchboard) is not supported yet; use "sqlite:PATH"`,
    });
    expect(await failure("mysql://x")).toMatchObject({ _tag: "StorageUrlError", message: `storage: expected "sqlite:PATH", got "mysql://x"` });
    expect(await failure("sqlite:")).toMatchObject({ _tag: "StorageUrlError", message: `storage: "sqlite:" needs a file path, e.g. "sqlite:./data/switchboard.db"` });
    // The promise-shaped entry rejects with the same error.
    await expect(openStore("postgresql://h/db")).rejects.toMatchObject({ name: "StorageUrlError", message: expect.stringContaining("not supported yet") });
  });

  it("test layer: a fresh file per use, removed with its folder when the layer closes", async () => {
    const before = storeDirs();
    let seen: string[] = [];
    await Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* Store;
        yield* store.use((db) => db.insertInto("bot_state").values({ bot_id: "b", key: "k", value: "v" }).execute());
        // Other test files may use the layer at the same time: ours is a new folder holding a store.
        seen = [...storeDirs()].filter((n) => !before.has(n) && existsSync(join(tmpdir(), n, "store.db")));
        expect(seen.length).toBeGreaterThan(0);
      }).pipe(Effect.provide(layerTest)),
    );
    // A second use starts empty.
    const rows = await Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* Store;
        return yield* store.use((db) => db.selectFrom("bot_state").selectAll().execute());
      }).pipe(Effect.provide(layerTest)),
    );
    expect(rows).toEqual([]);
    expect(seen.filter((n) => existsSync(join(tmpdir(), n))).length).toBeLessThan(seen.length);
  });
});
