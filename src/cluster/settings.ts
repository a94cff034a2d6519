/**
 * How an instance takes part in a deployment of several (PostgreSQL storage): its id and the
 * lease timings. The defaults need no configuration; `SWITCHBOARD_INSTANCE_ID` names an
 * instance (default: host, pid and a random suffix, new at every start).
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";

/** An instance's identity and lease timings. */
export interface ClusterSettings {
  /** Unique among the instances on the store; shown by `switchboard status`. */
  readonly instanceId: string;
  /** Where it runs (host and pid), for `switchboard status`. */
  readonly host: string;
  /** A lease not renewed for this long is free for another instance: the takeover time after a crash. */
  readonly ttlMs: number;
  /** How often the instance renews its leases, writes its heartbeat and rebalances. */
  readonly renewMs: number;
  /**
   * No Bot API call starts when the last renewal is older than `ttlMs − callMarginMs`, and no long
   * poll that would still wait then: a paused or cut-off owner's calls end at least this long
   * before anyone else may take its bots over (it covers the instances' clock skew and the
   * network).
   */
  readonly callMarginMs: number;
  /** Long-poll timeout in this mode, short enough to end well within a lease. */
  readonly pollTimeoutSeconds: number;
  /**
   * How often an owner looks at its bots' inboxes for rows other instances stored, and a proxy's
   * waiting long poll at the parallel system's queue, on the pipeline's Clock: the fallback for a
   * wake-up notice lost while the listening connection was down (cluster/notify.ts); notices wake
   * them at once.
   */
  readonly inboxRecheckMs?: number;
  /**
   * At start, the instance announces itself and waits this long before it takes leases, so that
   * instances started together share the bots from the first round instead of the first one
   * starting them all and handing most back (0: take at once).
   */
  readonly joinMs: number;
}

/** The defaults: 5 s leases renewed every second; calls end 2 s before a lease could pass on; long polls of at most 2 s; inboxes re-checked every 30 s. */
export const clusterDefaults = (env: Record<string, string | undefined> = process.env): ClusterSettings => ({
  instanceId: env.SWITCHBOARD_INSTANCE_ID?.trim() || `${hostname()}-${process.pid}-${randomUUID().slice(0, 6)}`,
  host: `${hostname()} pid ${process.pid}`,
  ttlMs: 5_000,
  renewMs: 1_000,
  callMarginMs: 2_000,
  pollTimeoutSeconds: 2,
  inboxRecheckMs: 30_000,
  joinMs: 1_500,
});

/**
 * `SWITCHBOARD_CLUSTER=off`: one instance on PostgreSQL runs every bot without leases, fence or
 * guard (and with 25 s long polls), as on SQLite. Only for measuring what the leases cost
 * (bench/relay.ts --postgres): a second instance started this way would poll and write beside the first.
 */
export const clusterSwitchedOff = (env: Record<string, string | undefined> = process.env): boolean => env.SWITCHBOARD_CLUSTER?.trim().toLowerCase() === "off";
