/**
 * The Bot API client's transport on both runtimes: JSON POSTs over the kept-alive HTTP/1.1
 * connections of `http1-pool.ts` (node:net / node:tls, which Node and Deno both provide).
 *
 * Node used node:http and Deno `fetch` before: node:http's client cost about a fifth of a
 * relayed message's CPU, and Deno could not use its node:http at all (it re-sends a destroyed
 * keep-alive POST, denoland/deno#36786). The pool writes each call once and never again, and
 * relays the bench's bursts with ~20 % less CPU than either (bench/README.md "Session 8").
 * The one exception: on Deno, with an HTTP proxy in the environment, deno.ts keeps `fetch`.
 */
import * as Effect from "effect/Effect";
import type { PostJson } from "./client-request.ts";
import { Http1Pool } from "./http1-pool.ts";

/**
 * JSON POSTs to `origin` (scheme, host, port and a base path); `inactivityTimeoutMs` without
 * answer activity fails the call, as does a call's own `deadlineMs`. Interrupting the effect
 * abandons the call and closes its connection.
 */
export const postJson = (origin: string, inactivityTimeoutMs: number): PostJson => {
  const base = new URL(origin);
  const prefix = base.pathname.replace(/\/+$/, "");
  const sends = poolFor(base, "sends", inactivityTimeoutMs);
  const polls = poolFor(base, "polls", inactivityTimeoutMs);
  return (path, body, deadlineMs) =>
    Effect.async((resume) => {
      const pool = path.endsWith("/getUpdates") ? polls : sends;
      return Effect.sync(pool.post(prefix + path, body, (error, answer) => resume(error ? Effect.fail(error) : Effect.succeed(answer!)), deadlineMs));
    });
};

/**
 * The process's connections to a Bot API server, shared by all its bots: at most 64 for sends,
 * so a burst cannot open thousands. Long polls hold their connection for the whole poll and
 * every bot has one in flight: in the bounded pool, 64 bots' polls would take every connection
 * and the other bots' polls and every send would queue behind them for seconds; so they have an
 * unbounded pool of their own (a bot has one poll at a time). Idle connections do not keep the
 * process alive, so the pools are never closed.
 */
const pools = new Map<string, Http1Pool>();
function poolFor(origin: URL, kind: "sends" | "polls", inactivityTimeoutMs: number): Http1Pool {
  const key = `${kind} ${origin.origin} ${inactivityTimeoutMs}`;
  let pool = pools.get(key);
  if (!pool) {
    pool = new Http1Pool({ origin, maxConnections: kind === "sends" ? 64 : Number.POSITIVE_INFINITY, inactivityTimeoutMs });
    pools.set(key, pool);
  }
  return pool;
}
