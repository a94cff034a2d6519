/** The `Store` service: scoped opening and closing, typed errors, and its test layer's temporary file. */
import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cause, Effect, Exit, Layer } from "effect";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open.ts";
import { layer, layerTest, make, Store } from "../../src/store/store.ts";
import { createTestDatabase } from "../support/postgres.ts";
import { freePort, tempDir } from "../support/world.ts";

/** The error building the store layer of `url` fails with. */
async function failure(url: string) {
  const exit = await Effect.runPromiseExit(Layer.build(layer(url)).pipe(Effect.scoped));
  const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : undefined;
  return error?._tag === "Some" ? error.value : undefined;
}

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

  it("opens a migrated PostgreSQL store for the scope (the URL's sslmode honoured) and closes its pool with the scope", async () => {
    const database = await createTestDatabase();
    try {
      const url = `${database.url}?sslmode=disable`;
      const db = await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const store = yield* make(url);
            expect(store.dialect.name).toBe("postgres");
            yield* store.use((db) => db.insertInto("outbox").values({ bot_id: "b", chat_id: -1001234567890, intent: "{}", attempts: 0, not_before: 0, created_at: 0 }).execute());
            const rows = yield* store.use((db) => db.selectFrom("outbox").selectAll().execute());
            expect(Object.keys(rows[0]!).sort()).toEqual(["attempts", "bot_id", "chat_id", "created_at", "id", "intent", "not_before"]);
            return store.db;
          }),
        ),
      );
      await expect(db.selectFrom("outbox").selectAll().execute()).rejects.toThrow();
      const again = await openStore(url);
      try {
        expect(await again.selectFrom("outbox").select(["id", "chat_id"]).execute()).toEqual([{ id: 1, chat_id: -1001234567890 }]);
      } finally {
        await again.destroy();
      }
      // This server speaks no TLS: asking for it fails with pg's own words, not silently in plain text.
      const error = await failure(`${database.url}?sslmode=verify-full`);
      expect(error).toMatchObject({ _tag: "StoreError", message: expect.stringContaining("does not support SSL") });
    } finally {
      await database.drop();
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

  it("fails with StorageUrlError for URLs it cannot open", async () => {
    expect(await failure("mysql://user:secret@x/db")).toMatchObject({
      _tag: "StorageUrlError",
      message: `storage: expected "sqlite:PATH" or "postgres://user:pass@host:port/db", got "mysql://user:***@x/db"`,
    });
    expect(await failure("sqlite:")).toMatchObject({ _tag: "StorageUrlError", message: `storage: "sqlite:" needs a file path, e.g. "sqlite:./data/switchboard.db"` });
    expect(await failure("postgres://user:secret@[bad/db")).toMatchObject({
      _tag: "StorageUrlError",
      message: `storage: expected a valid postgres://user:pass@host:port/db URL, got "postgres://user:***@[bad/db"`,
    });
    // The promise-shaped entry rejects with the same error.
    await expect(openStore("mysql://h/db")).rejects.toMatchObject({ name: "StorageUrlError", message: expect.stringContaining("postgres://") });
  });

  it("fails with a StoreError naming the server (password masked) when PostgreSQL does not answer", async () => {
    const port = await freePort();
    const error = await failure(`postgres://sb:secret@127.0.0.1:${port}/db`);
    expect(error).toMatchObject({ _tag: "StoreError" });
    expect(error?.message).toMatch(new RegExp(`^store: opening postgres storage failed: cannot connect to postgres://sb:\\*\\*\\*@127\\.0\\.0\\.1:${port}/db: .*ECONNREFUSED`));
    expect(error?.message).not.toContain("secret");
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
