/**
 * `switchboard status`: who runs what in a deployment of several instances — the instances and
 * their heartbeats, which bots each owns, the age of each lease, and each bot's queues (inbox
 * pending, outbox) — read from the store, so it works from any machine that reaches it.
 */
import { inboxGauges, outboxGauges } from "../store/gauges.ts";
import { allInstances, allLeases } from "../store/leases.ts";
import type { Db } from "../store/schema.ts";

/** What to print. */
export interface StatusReportOptions {
  /** The config's bots, listed even when no lease row exists yet. */
  readonly bots: readonly string[];
  /** The storage URL (password masked), for the heading. */
  readonly storage: string;
  /** The wall-clock time to measure ages from. */
  readonly now: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The report as text (ends with a newline). */
export async function statusReport(db: Db, o: StatusReportOptions): Promise<string> {
  const [instances, leases, inbox, outbox] = [await allInstances(db), await allLeases(db), await inboxGauges(db), await outboxGauges(db)];
  const leaseOf = new Map(leases.map((l) => [l.botId, l]));
  const depth = (gauges: readonly { botId: string; depth: number }[], bot: string) => gauges.find((g) => g.botId === bot)?.depth ?? 0;
  const held = (l: { owner: string; expiresAt: number } | undefined) => l !== undefined && l.owner !== "" && l.expiresAt > o.now;
  const lines = [`Instances on ${o.storage}:`];
  if (instances.length === 0) lines.push("  none (no instance has run on this store with several-instance support, or all stopped cleanly)");
  for (const i of instances) {
    const owns = leases.filter((l) => l.owner === i.instanceId && held(l)).map((l) => l.botId);
    const age = o.now - i.heartbeatAt;
    lines.push(`  ${i.instanceId} (${i.host}): heartbeat ${seconds(age)} ago${age > 5_000 ? " — silent, presumed gone" : ""}, up ${seconds(o.now - i.startedAt)}, owns ${owns.length} bot(s)${owns.length ? `: ${owns.join(", ")}` : ""}`);
  }
  const bots = [...new Set([...o.bots, ...leases.map((l) => l.botId)])];
  lines.push("", "Bots:");
  for (const bot of bots) {
    const l = leaseOf.get(bot);
    const owner = !l || l.owner === ""
      ? "unowned"
      : held(l)
        ? `owned by ${l.owner}, lease ${l.token} taken ${seconds(o.now - l.acquiredAt)} ago, renewed ${seconds(o.now - l.renewedAt)} ago`
        : `lease ${l.token} of ${l.owner} expired ${seconds(o.now - l.expiresAt)} ago (another instance takes it at its next renewal)`;
    lines.push(`  ${bot}: ${owner}; inbox ${depth(inbox, bot)} pending, outbox ${depth(outbox, bot)}`);
  }
  return lines.join("\n") + "\n";
}
