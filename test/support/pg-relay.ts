/**
 * PostgreSQL connections a test can break: the URL of the test store's database, and a TCP relay
 * to the server whose connections can be stalled (open, carrying nothing, as a dead peer's) or
 * cut, and whose door can be shut (new connections refused, as to a process that is gone).
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import { sql } from "kysely";
import type { Db } from "../../src/store/schema.ts";
import { adminUrl } from "./postgres.ts";

/** The URL of the database `db` is connected to (each test has its own). */
export const databaseUrl = (db: Db): Effect.Effect<URL> =>
  Effect.promise(async () => {
    const { rows: [{ name }] } = await sql<{ name: string }>`select current_database() as name`.execute(db);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url;
  });

/** A relay to the database of `db`; closed with the Scope. */
export interface PgRelay {
  /** The database's URL through the relay. */
  readonly url: string;
  /** Stalls the connections open now; later ones go through. */
  stall(): void;
  /** Cuts the connections open now and refuses new ones from then on. */
  shut(): void;
}

/** Opens a relay (see the module comment) for the life of the Scope. */
export const pgRelay = (db: Db): Effect.Effect<PgRelay, never, Scope.Scope> =>
  Effect.gen(function* () {
    const target = yield* databaseUrl(db);
    const open: Socket[] = [];
    const relay: Server = createServer((down) => {
      const up = createConnection({ host: target.hostname, port: Number(target.port || 5432) });
      open.push(down, up);
      down.pipe(up);
      up.pipe(down);
      down.on("error", () => undefined);
      up.on("error", () => undefined);
    });
    yield* Effect.acquireRelease(
      Effect.promise(() => new Promise<void>((r) => relay.listen(0, "127.0.0.1", () => r()))),
      () => Effect.sync(() => {
        for (const s of open) s.destroy();
        relay.close();
      }),
    );
    const url = new URL(target.href);
    url.hostname = "127.0.0.1";
    url.port = String((relay.address() as { port: number }).port);
    return {
      url: url.href,
      stall: () => {
        for (const s of [...open]) {
          s.unpipe();
          s.pause();
        }
      },
      shut: () => {
        relay.close();
        for (const s of open) s.destroy();
      },
    };
  });
