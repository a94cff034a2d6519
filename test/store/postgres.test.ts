/**
 * What only the PostgreSQL dialect has to get right: a server that drops Switchboard's
 * connections (a restart, a failover, an administrator terminating backends) fails the
 * statements concerned and nothing else — the process goes on, and the next statements run on
 * new connections.
 */
import { sql } from "kysely";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open.ts";
import { adminUrl, createTestDatabase, type TestDatabase } from "../support/postgres.ts";

const databases: TestDatabase[] = [];
afterEach(async () => {
  while (databases.length > 0) await databases.pop()!.drop();
});

/** Terminates every connection to `database` (as the server does when it restarts). */
async function dropConnections(database: string): Promise<number> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query("select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()", [database]);
    return rows.length;
  } finally {
    await admin.end();
  }
}

const settle = () => new Promise((r) => setTimeout(r, 200));

describe("PostgreSQL connections dropped by the server", () => {
  it("fail the transaction that held one, and the store carries on", async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const db = await openStore(database.url);
    try {
      const transaction = db.transaction().execute(async (tx) => {
        await tx.insertInto("bot_state").values({ bot_id: "b", key: "k1", value: "v" }).execute();
        // Dropped while the transaction holds its connection between two statements.
        expect(await dropConnections(database.name)).toBeGreaterThan(0);
        await settle();
        await tx.insertInto("bot_state").values({ bot_id: "b", key: "k2", value: "v" }).execute();
      });
      await expect(transaction).rejects.toThrow();
      // Idle connections in the pool are dropped too.
      await sql`select 1`.execute(db);
      expect(await dropConnections(database.name)).toBeGreaterThan(0);
      await settle();
      await db.insertInto("bot_state").values({ bot_id: "b", key: "k3", value: "v" }).execute();
      expect(await db.selectFrom("bot_state").select("key").execute()).toEqual([{ key: "k3" }]);
    } finally {
      await db.destroy();
    }
  });
});

describe("several instances starting together", () => {
  it("migrate one fresh database at once without failing either start", async () => {
    const database = await createTestDatabase();
    databases.push(database);
    // Each start creates Kysely's bookkeeping tables if missing: done at once, PostgreSQL's
    // catalogue refuses the second creation with a duplicate key unless it is tried again.
    const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(database.url)));
    try {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(stores[0]);
      expect(rows[0].n).toBeGreaterThan(10);
    } finally {
      await Promise.all(stores.map((db) => db.destroy()));
    }
  });
});
