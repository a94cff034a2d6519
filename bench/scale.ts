/**
 * Several instances on one PostgreSQL (issue 15): `--bots N` bots (default 100) with light
 * traffic on `--instances K` CLI processes (default 3) against the emulator. Prints, per
 * instance, resident memory and CPU over the traffic phase; relay latency (user message sent →
 * copy stored in the topic) p50/p99; lease renewals per second (statements, and lease rows
 * renewed, from PostgreSQL's own counters); then SIGKILLs one instance and prints how long until
 * its leases were taken over and until a message sent to one of its bots was relayed again.
 *
 *   npx tsx bench/scale.ts [--bots 100] [--instances 3] [--seconds 20] [--rate 20]
 *
 * Timings are reported, never asserted; the exit code is 1 only when a message went missing.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { startEmulator } from "../src/sandbox/emulator/mod.ts";
import { allLeases } from "../src/store/leases.ts";
import { openStore } from "../src/store/open.ts";
import { createTestDatabase } from "../test/support/postgres.ts";
import { cliCommand, CopyTracker, now, procCpuSeconds, procStatusMb, removeDir, root, sleep, tempDir } from "./support.ts";
import { spawn } from "node:child_process";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const botCount = arg("bots", 100);
const instanceCount = arg("instances", 3);
const seconds = arg("seconds", 20);
const rate = arg("rate", 20);
const watchdog = setTimeout(() => {
  console.error("scale bench: watchdog fired after 10 minutes");
  process.exit(3);
}, 600_000);

const emulator = await startEmulator({ host: "127.0.0.1" });
const database = await createTestDatabase(undefined, "sb_bench_");
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
const instances = Array.from({ length: instanceCount }, (_, k) => {
  const name = `i${k + 1}`;
  const [command, argv] = cliCommand(["run", "--config", configOf(name)]);
  const child = spawn(command, argv, { env: { ...process.env, SWITCHBOARD_INSTANCE_ID: name, SWITCHBOARD_LOG: "warn" }, stdio: ["ignore", "pipe", "pipe"], cwd: root });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  return { name, child, pid: child.pid!, output: () => output };
});
const db = await openStore(database.url);
const owners = async () => {
  const t = Date.now();
  return new Map((await allLeases(db)).filter((l) => l.owner !== "" && l.expiresAt > t).map((l) => [l.botId, l.owner]));
};
const leaseUpdates = async () => {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const { rows } = await client.query("select n_tup_upd from pg_stat_user_tables where relname = 'leases'");
  await client.end();
  return Number(rows[0]?.n_tup_upd ?? 0);
};

let ok = true;
try {
  const started = now();
  for (;;) {
    const o = await owners();
    const per = new Map<string, number>();
    for (const owner of o.values()) per.set(owner, (per.get(owner) ?? 0) + 1);
    if (o.size === botCount && per.size === instanceCount) break;
    if (now() - started > 300_000) throw new Error(`bots not spread after 300 s: ${JSON.stringify([...per])}\n${instances.map((i) => i.output().slice(-2000)).join("\n")}`);
    await sleep(250);
  }
  const spreadSeconds = (now() - started) / 1000;
  await sleep(3000);

  // Light traffic: `rate` messages a second, to random bots.
  const tracker = new CopyTracker(emulator);
  const sentAt = new Map<string, number>();
  const cpuBefore = instances.map((i) => procCpuSeconds(i.pid));
  const updatesBefore = await leaseUpdates();
  const phaseStart = now();
  let sent = 0;
  while (now() - phaseStart < seconds * 1000) {
    const b = bots[Math.floor(Math.random() * bots.length)];
    const m = emulator.userSends(b.token, b.user, { text: `m${sent}` });
    sentAt.set(`${b.user}/${m.message_id}`, now());
    sent++;
    await sleep(1000 / rate);
  }
  const arrivedAll = await tracker.until(() => tracker.arrivals.filter((a) => sentAt.has(`${a.fromChatId}/${a.fromMessageId}`)).length >= sent, 60_000);
  const phaseSeconds = (now() - phaseStart) / 1000;
  const cpu = instances.map((i, k) => procCpuSeconds(i.pid) - cpuBefore[k]);
  const renewedRowsPerSecond = (await leaseUpdates() - updatesBefore) / phaseSeconds;
  const latencies = tracker.arrivals.flatMap((a) => {
    const t = sentAt.get(`${a.fromChatId}/${a.fromMessageId}`);
    return t === undefined ? [] : [a.at - t];
  }).sort((x, y) => x - y);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN;
  ok &&= arrivedAll;
  const memory = instances.map((i) => ({ rss: procStatusMb(i.pid, "VmRSS"), peak: procStatusMb(i.pid, "VmHWM") }));
  // Calls the lease guard refused (a renewal came late: the instance was starved of CPU).
  const refusals = instances.map((i) => (i.output().match(/lease was not renewed in time|getUpdates failed/g) ?? []).length);

  // Kill one instance; a message to each of its bots right away.
  const victim = instances[0];
  const theirs = [...(await owners())].filter(([, o]) => o === victim.name).map(([b]) => b);
  const killedAt = now();
  victim.child.kill("SIGKILL");
  const probes = theirs.map((id) => {
    const b = bots.find((x) => x.id === id)!;
    const m = emulator.userSends(b.token, b.user, { text: "after the kill" });
    return `${b.user}/${m.message_id}`;
  });
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
  const relayedAgain = await tracker.until(() => probes.every((p) => tracker.arrivals.some((a) => `${a.fromChatId}/${a.fromMessageId}` === p)), 120_000);
  const lastProbe = Math.max(...probes.map((p) => tracker.arrivals.find((a) => `${a.fromChatId}/${a.fromMessageId}` === p)?.at ?? NaN));
  ok &&= relayedAgain;

  const lines = [
    `scale bench: ${botCount} bots on ${instanceCount} instances (PostgreSQL), spread in ${spreadSeconds.toFixed(1)} s`,
    `  traffic: ${sent} messages in ${seconds} s (${rate}/s), all relayed: ${arrivedAll}`,
    `  relay latency p50 ${pct(0.5).toFixed(0)} ms, p99 ${pct(0.99).toFixed(0)} ms`,
    ...instances.map((i, k) => `  ${i.name}: RSS ${memory[k].rss.toFixed(0)} MB (peak ${memory[k].peak.toFixed(0)} MB), CPU ${(cpu[k] / phaseSeconds * 100).toFixed(1)} % of a core, ${refusals[k]} failed/refused polls logged`),
    `  lease renewals: ${(instanceCount).toFixed(0)} statements/s by design (one per instance per second), ${renewedRowsPerSecond.toFixed(0)} lease rows updated/s`,
    `  SIGKILL of ${victim.name} (owning ${theirs.length}): leases taken over after ${leasesMovedSeconds.toFixed(1)} s, every one of its bots relayed again after ${((lastProbe - killedAt) / 1000).toFixed(1)} s`,
  ];
  console.log(lines.join("\n"));
  if (process.env.BENCH_SCALE_LOGS) for (const i of instances) writeFileSync(join(process.env.BENCH_SCALE_LOGS, `${i.name}.log`), i.output());
  console.log(`BENCH_RESULT ${JSON.stringify({ bench: "scale", bots: botCount, instances: instanceCount, sent, p50: pct(0.5), p99: pct(0.99), cpu, leasesMovedSeconds, relayedAgainSeconds: (lastProbe - killedAt) / 1000, ok })}`);
} finally {
  for (const i of instances) i.child.kill("SIGKILL");
  await db.destroy();
  await emulator.close();
  await database.drop();
  removeDir(dir);
  clearTimeout(watchdog);
}
process.exit(ok ? 0 : 1);
