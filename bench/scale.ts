/**
 * Several instances on one PostgreSQL (issue 15): `--bots N` bots (default 1,000) with light
 * traffic on `--instances K` CLI processes (default 3) against the emulator. Prints:
 * - start-up: how long until every bot relays (each instance owns its share, one probe message
 *   per bot copied into its topic);
 * - idle (`--idle-seconds`, default 10): per instance CPU (% of a core), getUpdates calls a second,
 *   and the PostgreSQL server's CPU for the database;
 * - light traffic (`--seconds`, default 20, `--rate` messages a second to random bots, default
 *   20): per instance RSS and CPU, relay latency (user message sent → copy stored in the topic)
 *   p50/p99, lease renewals a second (statements, and lease rows renewed, from PostgreSQL's own
 *   counters);
 * - SIGKILL of one instance: how long until its leases were taken over and until a message sent
 *   to each of its bots was relayed again;
 * - the killed instance restarted: how long until the bots are spread over all instances again;
 * - SIGTERM of another: how long until its leases were released and taken over, and until its
 *   bots relayed again.
 *
 *   npx tsx bench/scale.ts [--bots 1000] [--instances 3] [--idle-seconds 10] [--seconds 20] [--rate 20]
 *
 * The remaining instances end with SIGTERM (so `BENCH_CHILD_FLAGS="… --cpu-prof"` profiles get
 * written). Timings are reported, never asserted; the exit code is 1 only when a message went
 * missing.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { startEmulator } from "../src/sandbox/emulator/mod.ts";
import { allLeases } from "../src/store/leases.ts";
import { openStore } from "../src/store/open.ts";
import { createTestDatabase } from "../test/support/postgres.ts";
import { cliCommand, CopyTracker, isDeno, machineCpuSeconds, monotonicMicros, now, postgresCpuSeconds, procCpuSeconds, procStatusMb, removeDir, root, selfCpuSeconds, sleep, tempDir } from "./support.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const botCount = arg("bots", 1000);
const instanceCount = arg("instances", 3);
const idleSeconds = arg("idle-seconds", 10);
const seconds = arg("seconds", 20);
const rate = arg("rate", 20);
const watchdog = setTimeout(() => {
  console.error("scale bench: watchdog fired after 15 minutes");
  process.exit(3);
}, 900_000);

const callLogFile = process.env.BENCH_CALL_LOG;
const emulator = await startEmulator({ host: "127.0.0.1", recordCalls: callLogFile !== undefined });
const database = await createTestDatabase(undefined, "sb_bench_");
const dbName = new URL(database.url).pathname.slice(1);
const dir = tempDir("sb-scale-");
const operator = emulator.createUser({ firstName: "Olga" });
const bots = Array.from({ length: botCount }, (_, i) => {
  const bot = emulator.createBot({ username: `scale${i}_bot` });
  const groupId = emulator.createForumGroup({ bots: [bot.token], operators: [operator.id] });
  return { id: `bot${i}`, token: bot.token, groupId, user: emulator.createUser({ firstName: `U${i}` }).id };
});
const configOf = (name: string) => {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, `storage: "${database.url}"\nbots:\n${bots.map((b) => `  - id: ${b.id}\n    token: "${b.token}"\n    api_root: ${emulator.url}/c/${name}\n    group: ${b.groupId}\n    limits: off\n`).join("")}`);
  return path;
};
const tracker = new CopyTracker(emulator);
const startedAt = now();
/**
 * The heap cap the instances run with, unless BENCH_CHILD_FLAGS says otherwise: production's
 * 192 MB covers ~60 bots; an instance needs ~128 MB plus ~1 MB per bot it may own, and after the
 * kill the others own bots / (instances − 1) each (docs/deployment.md).
 */
const mostOwned = Math.ceil(botCount / Math.max(1, instanceCount - 1));
const heapMb = Math.max(192, 128 + mostOwned);
if (process.env.BENCH_CHILD_FLAGS === undefined) process.env.BENCH_CHILD_FLAGS = isDeno ? `--v8-flags=--max-old-space-size=${heapMb},--max-semi-space-size=4` : `--max-old-space-size=${heapMb} --max-semi-space-size=4`;
/** Starts instance `name` (the CLI on its own config copy). */
const spawnInstance = (name: string) => {
  const [command, argv] = cliCommand(["run", "--config", configOf(name)]);
  const child = spawn(command, argv, { env: { ...process.env, SWITCHBOARD_INSTANCE_ID: name, SWITCHBOARD_LOG: "warn" }, stdio: ["ignore", "pipe", "pipe"], cwd: root });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { name, child, pid: child.pid!, exited, output: () => output };
};
const instances = Array.from({ length: instanceCount }, (_, k) => spawnInstance(`i${k + 1}`));
/** Waits until every bot is owned and spread evenly over `count` instances; false after `timeoutMs`. */
const spread = async (count: number, since: number, timeoutMs: number) => {
  for (;;) {
    const o = await owners();
    const per = new Map<string, number>();
    for (const owner of o.values()) per.set(owner, (per.get(owner) ?? 0) + 1);
    if (o.size === botCount && per.size === count && Math.max(...per.values()) <= Math.ceil(botCount / count)) return true;
    const gone = instances.find((i) => i.child.exitCode !== null || i.child.signalCode !== null);
    if (gone) throw new Error(`${gone.name} exited (${gone.child.exitCode ?? gone.child.signalCode}):\n${gone.output().slice(-3000)}`);
    if (now() - since > timeoutMs) return false;
    await sleep(250);
  }
};
const db = await openStore(database.url);
const owners = async () => {
  const t = Date.now();
  return new Map((await allLeases(db)).filter((l) => l.owner !== "" && l.expiresAt > t).map((l) => [l.botId, l.owner]));
};
const leaseUpdates = async () => {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const { rows } = await client.query("select n_tup_upd from pg_stat_user_tables where relname = 'leases'");
  const conns = await client.query("select application_name, count(*)::int as n from pg_stat_activity where datname = $1 group by 1", [dbName]);
  await client.end();
  return { updated: Number(rows[0]?.n_tup_upd ?? 0), connections: conns.rows.filter((r) => r.application_name === "switchboard").reduce((s, r) => s + r.n, 0) };
};
const getUpdatesCalls = () => emulator.stats().calls.getUpdates ?? 0;
const key = (chat: number, message: number) => `${chat}/${message}`;
const arrived = new Set<string>();
tracker.onArrival((a) => arrived.add(key(a.fromChatId, a.fromMessageId)));
/** Sends one message to each of `ids`; resolves with the time until the last of them was relayed (NaN after `timeoutMs`). */
const probe = async (ids: readonly string[], text: string, since: number, timeoutMs: number) => {
  const sent = ids.map((id) => {
    const b = bots.find((x) => x.id === id)!;
    return key(b.user, emulator.userSends(b.token, b.user, { text }).message_id);
  });
  const ok = await tracker.until(() => sent.every((s) => arrived.has(s)), timeoutMs);
  const last = Math.max(...sent.map((s) => tracker.arrivals.find((a) => key(a.fromChatId, a.fromMessageId) === s)?.at ?? NaN));
  return { ok, seconds: ok ? (last - since) / 1000 : NaN, missing: sent.filter((s) => !arrived.has(s)).length };
};
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
const cpuOf = (pids: number[]) => pids.map((p) => procCpuSeconds(p));

let ok = true;
const lines: string[] = [];
const result: Record<string, unknown> = { bench: "scale", bots: botCount, instances: instanceCount };
try {
  // Start-up: every bot owned, spread over every instance, then one probe per bot relayed.
  if (!(await spread(instanceCount, startedAt, 400_000))) throw new Error(`bots not spread after 400 s: ${JSON.stringify([...(await owners()).values()])}\n${instances.map((i) => i.output().slice(-2000)).join("\n")}`);
  const spreadSeconds = (now() - startedAt) / 1000;
  const first = await probe(bots.map((b) => b.id), "hello", startedAt, 120_000);
  ok &&= first.ok;
  lines.push(`scale bench: ${botCount} bots on ${instanceCount} instances (PostgreSQL, child flags ${process.env.BENCH_CHILD_FLAGS}); leases spread after ${spreadSeconds.toFixed(1)} s, every bot relayed its first message after ${first.seconds.toFixed(1)} s from launch (${first.missing} missing)`);
  Object.assign(result, { spreadSeconds, firstRelaySeconds: first.seconds });
  await sleep(3000);

  // Idle: nothing to relay.
  const pids = instances.map((i) => i.pid);
  const idleWindow = [monotonicMicros()];
  const idle0 = { cpu: cpuOf(pids), polls: getUpdatesCalls(), pg: postgresCpuSeconds(dbName), bench: selfCpuSeconds(), machine: machineCpuSeconds().busy, t: now() };
  await sleep(idleSeconds * 1000);
  const idleWall = (now() - idle0.t) / 1000;
  idleWindow.push(monotonicMicros());
  const idleCpu = cpuOf(pids).map((c, k) => (c - idle0.cpu[k]) / idleWall);
  const idlePolls = (getUpdatesCalls() - idle0.polls) / idleWall;
  const idlePg = (postgresCpuSeconds(dbName) - idle0.pg) / idleWall;
  const idleBench = (selfCpuSeconds() - idle0.bench) / idleWall;
  const idleOther = (machineCpuSeconds().busy - idle0.machine) / idleWall - idleCpu.reduce((s, c) => s + c, 0) - idlePg - idleBench;
  lines.push(`  idle ${idleWall.toFixed(0)} s: CPU ${idleCpu.map((c) => `${(c * 100).toFixed(1)} %`).join(" / ")} of a core per instance; getUpdates ${idlePolls.toFixed(0)}/s in all; PostgreSQL ${(idlePg * 100).toFixed(1)} %, emulator+bench ${(idleBench * 100).toFixed(1)} %, other processes ${(Math.max(0, idleOther) * 100).toFixed(0)} %`);
  Object.assign(result, { idleCpu, idlePolls, idlePg, idleOther, idleWindow: idleWindow.join(":") });
  // BENCH_CALL_LOG=FILE: every getUpdates of the idle phase (caller, bot, start, end), to see where polls wait.
  if (callLogFile) writeFileSync(callLogFile, JSON.stringify(emulator.callLog().filter((c) => c.method === "getUpdates" && c.startedAt >= Date.now() - idleWall * 1000).map((c) => [c.caller, c.token.split(":")[0], c.startedAt, c.endedAt])));

  // Light traffic: `rate` messages a second, to random bots.
  const sentAt = new Map<string, number>();
  const t0 = { cpu: cpuOf(pids), lease: await leaseUpdates(), pg: postgresCpuSeconds(dbName), machine: machineCpuSeconds().busy, bench: selfCpuSeconds() };
  const phaseStart = now();
  let sent = 0;
  while (now() - phaseStart < seconds * 1000) {
    const b = bots[Math.floor(Math.random() * bots.length)];
    const m = emulator.userSends(b.token, b.user, { text: `m${sent}` });
    sentAt.set(key(b.user, m.message_id), now());
    sent++;
    const next = phaseStart + (sent * 1000) / rate;
    await sleep(Math.max(0, next - now()));
  }
  const arrivedAll = await tracker.until(() => [...sentAt.keys()].every((k) => arrived.has(k)), 60_000);
  const phaseSeconds = (now() - phaseStart) / 1000;
  const cpu = cpuOf(pids).map((c, k) => (c - t0.cpu[k]) / phaseSeconds);
  const t1lease = await leaseUpdates();
  const renewedRowsPerSecond = (t1lease.updated - t0.lease.updated) / phaseSeconds;
  const pgCpu = (postgresCpuSeconds(dbName) - t0.pg) / phaseSeconds;
  const other = (machineCpuSeconds().busy - t0.machine) / phaseSeconds - cpu.reduce((s, c) => s + c, 0) - pgCpu - (selfCpuSeconds() - t0.bench) / phaseSeconds;
  const latencies = tracker.arrivals.flatMap((a) => {
    const t = sentAt.get(key(a.fromChatId, a.fromMessageId));
    return t === undefined ? [] : [a.at - t];
  }).sort((x, y) => x - y);
  ok &&= arrivedAll;
  const memory = instances.map((i) => ({ rss: procStatusMb(i.pid, "VmRSS"), peak: procStatusMb(i.pid, "VmHWM") }));
  // Calls the lease guard refused (a renewal came late: the instance was starved of CPU).
  const refusals = instances.map((i) => (i.output().match(/lease was not renewed in time|getUpdates failed/g) ?? []).length);
  lines.push(
    `  traffic: ${sent} messages in ${seconds} s (${rate}/s), all relayed: ${arrivedAll}; relay latency p50 ${pct(latencies, 0.5).toFixed(0)} ms, p99 ${pct(latencies, 0.99).toFixed(0)} ms, max ${pct(latencies, 1).toFixed(0)} ms`,
    ...instances.map((i, k) => `  ${i.name}: RSS ${memory[k].rss.toFixed(0)} MB (peak ${memory[k].peak.toFixed(0)} MB), CPU ${(cpu[k] * 100).toFixed(1)} % of a core, ${refusals[k]} failed/refused calls logged`),
    `  PostgreSQL ${(pgCpu * 100).toFixed(1)} % of a core; ${t1lease.connections} connections of the instances; other processes ${(Math.max(0, other) * 100).toFixed(0)} %`,
    `  lease renewals: ${instanceCount} statements/s (one per instance per second), ${renewedRowsPerSecond.toFixed(0)} lease rows updated/s`,
  );
  Object.assign(result, { sent, arrivedAll, p50: pct(latencies, 0.5), p99: pct(latencies, 0.99), cpu, rss: memory.map((m) => m.rss), peakRss: memory.map((m) => m.peak), pgCpu, connections: t1lease.connections, renewedRowsPerSecond, other });

  // SIGKILL one instance; a message to each of its bots right away.
  const victim = instances[0];
  const theirs = [...(await owners())].filter(([, o]) => o === victim.name).map(([b]) => b);
  const killedAt = now();
  victim.child.kill("SIGKILL");
  const killProbe = probe(theirs, "after the kill", killedAt, 120_000);
  let leasesMovedSeconds = NaN;
  for (;;) {
    const o = await owners();
    if (theirs.every((b) => o.has(b) && o.get(b) !== victim.name)) {
      leasesMovedSeconds = (now() - killedAt) / 1000;
      break;
    }
    if (now() - killedAt > 120_000) break;
    await sleep(100);
  }
  const killed = await killProbe;
  ok &&= killed.ok;
  lines.push(`  SIGKILL of ${victim.name} (owning ${theirs.length}): leases taken over after ${leasesMovedSeconds.toFixed(1)} s, every one of its bots relayed again after ${killed.seconds.toFixed(1)} s (${killed.missing} missing)`);
  Object.assign(result, { killOwned: theirs.length, leasesMovedSeconds, relayedAgainSeconds: killed.seconds });

  // The killed instance comes back (a supervisor restarts it): the bots spread over all again, so
  // the SIGTERM below hands one instance's share to the others, as in a rolling deploy.
  if (instanceCount >= 2) {
    const rejoinAt = now();
    instances[0] = spawnInstance(victim.name);
    const even = await spread(instanceCount, rejoinAt, 180_000);
    const rejoinSeconds = even ? (now() - rejoinAt) / 1000 : NaN;
    lines.push(`  ${victim.name} restarted: bots spread over ${instanceCount} instances again after ${rejoinSeconds.toFixed(1)} s${even ? "" : " ✗ (not within 180 s)"}`);
    Object.assign(result, { rejoinSeconds });
  }

  // SIGTERM another: its bots hand over to the others.
  if (instanceCount >= 2) {
    await sleep(3000);
    const leaving = instances[1];
    const held = [...(await owners())].filter(([, o]) => o === leaving.name).map(([b]) => b);
    const termAt = now();
    leaving.child.kill("SIGTERM");
    const termProbe = probe(held, "after the SIGTERM", termAt, 120_000);
    let releasedSeconds = NaN;
    let handedSeconds = NaN;
    for (;;) {
      const leases = new Map((await allLeases(db)).map((l) => [l.botId, l]));
      const t = Date.now();
      // Released: no longer this instance's (free, or taken); taken over: held, unexpired, by another.
      if (Number.isNaN(releasedSeconds) && held.every((b) => leases.get(b)?.owner !== leaving.name)) releasedSeconds = (now() - termAt) / 1000;
      if (held.every((b) => { const l = leases.get(b); return l !== undefined && l.owner !== "" && l.owner !== leaving.name && l.expiresAt > t; })) {
        handedSeconds = (now() - termAt) / 1000;
        break;
      }
      if (now() - termAt > 120_000) break;
      await sleep(50);
    }
    const termed = await termProbe;
    ok &&= termed.ok;
    lines.push(`  SIGTERM of ${leaving.name} (owning ${held.length}): leases released after ${releasedSeconds.toFixed(1)} s, taken over after ${handedSeconds.toFixed(1)} s, every one of its bots relayed again after ${termed.seconds.toFixed(1)} s (${termed.missing} missing)`);
    Object.assign(result, { termOwned: held.length, releasedSeconds, handedSeconds, termRelayedSeconds: termed.seconds });
  }
  console.log(lines.join("\n"));
} finally {
  if (!lines.length) console.log(instances.map((i) => `${i.name}:\n${i.output().slice(-3000)}`).join("\n"));
  for (const i of instances) if (i.child.exitCode === null && i.child.signalCode === null) i.child.kill("SIGTERM");
  await Promise.race([Promise.all(instances.map((i) => i.exited)), sleep(15_000)]);
  for (const i of instances) i.child.kill("SIGKILL");
  if (process.env.BENCH_SCALE_LOGS) {
    mkdirSync(process.env.BENCH_SCALE_LOGS, { recursive: true });
    for (const i of instances) writeFileSync(join(process.env.BENCH_SCALE_LOGS, `${i.name}.log`), i.output());
  }
  await db.destroy();
  await emulator.close();
  await database.drop();
  removeDir(dir);
  clearTimeout(watchdog);
}
console.log(`BENCH_RESULT ${JSON.stringify({ ...result, ok })}`);
process.exit(ok ? 0 : 1);
