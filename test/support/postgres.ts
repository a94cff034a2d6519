/**
 * Real PostgreSQL for tests: each test gets a database of its own (`sb_test_<random>`), dropped
 * afterwards. The server is this machine's (127.0.0.1:5432, trust authentication, user postgres;
 * `.ci/run` starts it), or the one `SWITCHBOARD_TEST_POSTGRES` names. When it cannot be reached,
 * the PostgreSQL variants fail (never skip) with a message saying how to start it.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { redactUrl } from "../../src/store/postgres.ts";

/** The maintenance database tests connect to for creating and dropping their own. */
export const adminUrl = process.env.SWITCHBOARD_TEST_POSTGRES ?? "postgres://postgres@127.0.0.1:5432/postgres";

const howToStart =
  "The PostgreSQL variants of the store, durability and migrate tests need a real server. Start this machine's with " +
  "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` (install it with `apt-get install postgresql`), " +
  "or set SWITCHBOARD_TEST_POSTGRES to a postgres:// URL whose user may create databases.";

/** Runs one statement on the maintenance database `on`. */
async function admin(statement: string, on: string): Promise<void> {
  const client = new pg.Client({ connectionString: on, connectionTimeoutMillis: 5_000 });
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    const reason = error instanceof Error ? error.message || (error as { code?: string }).code : String(error);
    throw new Error(`PostgreSQL is not reachable at ${redactUrl(on)} (${reason}). ${howToStart}`);
  }
  try {
    await client.query(statement);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A fresh, empty database: its URL, and how to drop it (also while connections to it are open). */
export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates a database for one test (or, with another `prefix`, a benchmark) on the server of `server`. */
export async function createTestDatabase(server = adminUrl, prefix = "sb_test_"): Promise<TestDatabase> {
  const name = `${prefix}${randomBytes(6).toString("hex")}`;
  await admin(`create database ${name}`, server);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { name, url: url.href, drop: () => admin(`drop database if exists ${name} with (force)`, server) };
}
