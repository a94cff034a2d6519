/**
 * A PostgreSQL connection of an instance's own, outside the pools, kept for the life of a Scope:
 * the LISTEN connection of the wake-ups (notify.ts) and the one holding the instance's liveness
 * lock (liveness.ts). Both need one session that lasts, and both must notice when it ends,
 * including the silent end of a half-open TCP connection after a network fault or a failover:
 * TCP keep-alive and a cheap query every `health.everyMs` find it. A session that ends is opened
 * again a second later (real time: this is about the network, not the pipeline's Clock).
 */
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Schedule from "effect/Schedule";
import type * as Scope from "effect/Scope";
import pg from "pg";
import type { Logger } from "../util/log.ts";
import { realClock } from "../util/real-clock.ts";

/** How a kept connection is watched (tests shorten it). */
export interface ConnectionHealth {
  /** How often a cheap query checks the connection (default 30 s). */
  readonly everyMs?: number;
  /** How long that query (or any) may go unanswered before the connection counts as dead (default 10 s). */
  readonly timeoutMs?: number;
}

/** What a kept connection is for. */
export interface KeptConnectionOptions {
  readonly url: string;
  /** `application_name`, so an operator can tell the connection in `pg_stat_activity`. */
  readonly applicationName: string;
  readonly log: Logger;
  readonly health?: ConnectionHealth;
  /** Sets a new connection up (LISTEN, a lock); the session counts as up once it resolves. */
  setUp(client: pg.Client): Promise<void>;
  /** After each session was set up. */
  onUp?(): void;
  /** After each session ended (not when the Scope closes). */
  onDown?(error: Error): void;
  /** What the connection's notifications say (LISTEN). */
  onNotification?(notification: pg.Notification): void;
  /** Logged (warn) when sessions start failing, once until one is up again. */
  readonly lostMessage: string;
  /** Logged (info) when a session is up again after failing. */
  readonly backMessage: string;
}

/** Keeps the connection for the life of the Scope (see the module comment). */
export const keepConnection = (o: KeptConnectionOptions): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    let closing = false;
    // Whether the last session failed: the log says when the connection is lost, not every retry.
    let failing = false;
    const timeoutMs = o.health?.timeoutMs ?? 10_000;

    /** The connection's life: fails when it ends. */
    const ended = (c: pg.Client) =>
      Effect.async<never, Error>((resume) => {
        c.on("error", (e) => resume(Effect.fail(e)));
        c.on("end", () => resume(Effect.fail(new Error("the connection ended"))));
      });

    /** One session: fails when the connection ends or stops answering (the cheap query times out). */
    const session = Effect.scoped(Effect.gen(function* () {
      const c = yield* Effect.acquireRelease(
        Effect.sync(() => new pg.Client({ connectionString: o.url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, keepAlive: true, application_name: o.applicationName })),
        // Not awaited: ending a half-open connection waits for a peer that is gone.
        (c) => Effect.sync(() => void c.end().catch(() => undefined)),
      );
      // Errors before `life` listens (none is expected: connecting is asynchronous) must not crash the process.
      c.on("error", () => undefined);
      if (o.onNotification) c.on("notification", o.onNotification);
      const life = ended(c);
      const setUp = Effect.tryPromise({
        try: async () => {
          await c.connect();
          // A server's idle_session_timeout must not end a session that is idle by design (PostgreSQL 14+; older ones know no such setting).
          await c.query("set idle_session_timeout = 0").catch(() => undefined);
          await o.setUp(c);
        },
        catch: (e) => (e instanceof Error ? e : new Error(String(e))),
      });
      yield* Effect.raceFirst(setUp, life);
      if (failing) o.log.info(o.backMessage);
      failing = false;
      o.onUp?.();
      const check = Effect.tryPromise({
        try: () => c.query("select 1"),
        catch: (e) => new Error(`the connection stopped answering: ${e instanceof Error ? e.message : String(e)}`),
      });
      yield* Effect.raceFirst(life, Effect.forever(Effect.zipRight(Effect.sleep(Duration.millis(o.health?.everyMs ?? 30_000)), check)));
    }));

    const loop = session.pipe(
      Effect.tapError((e) => Effect.sync(() => {
        if (closing) return;
        o.onDown?.(e);
        if (!failing) o.log.warn(o.lostMessage, { error: e.message });
        failing = true;
      })),
      Effect.retry(Schedule.spaced(Duration.seconds(1))),
      Effect.forever,
      Effect.withClock(realClock),
    );
    yield* Effect.forkScoped(loop);
    yield* Effect.addFinalizer(() => Effect.sync(() => {
      closing = true;
    }));
  });
