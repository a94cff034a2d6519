/**
 * What starting and stopping many bots costs one instance (issue 15's takeover): `--bots N`
 * polling bots (default 200) against the emulator, all started by one Switchboard process, on
 * PostgreSQL with the cluster's leases (a takeover: the leases are left as a killed instance
 * leaves them, and the instance's second round takes them all and starts them 8 at a time) and on
 * SQLite (a plain start-up). Per store it prints:
 * - start: CPU ms per bot (process.cpuUsage of the Switchboard process: over `runConfig` on SQLite,
 *   which resolves once every bot received its first getUpdates; from the end of start-up until
 *   every bot taken over received its first getUpdates on PostgreSQL) and the wall time (on
 *   PostgreSQL from the round that took the leases);
 * - relay: the wall time from that moment until one message sent to each bot was relayed;
 * - stop: CPU ms per bot and wall time of `stop()` (what SIGTERM does: sources, pipelines,
 *   lease release, store).
 *
 *   npx tsx bench/bot-start.ts [--bots 200] [--runs 3] [--stores postgres,sqlite] [--ab DIR]
 *
 * Switchboard runs in a child process of its own (the emulator's CPU stays out of its figures),
 * from src/ of this tree or, with `--ab DIR`, alternately from this tree and from DIR's (a
 * checkout of another commit with node_modules linked): runs interleave A/B so a neighbour's load
 * hits both alike, and the table gives medians and the ratios B/A. `BENCH_CHILD_FLAGS` adds
 * runtime flags to the child (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). A first, unmeasured
 * run per store leaves the state a previous owner would (topics, message maps, the bot's
 * identity). Timings are reported, never asserted; the exit code is 1 when a message went missing.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { startEmulator } from "../src/sandbox/emulator/mod.ts";
import { createTestDatabase, type TestDatabase } from "../test/support/postgres.ts";
import { CopyTracker, fmt, isDeno, monotonicMicros, removeDir, root, tempDir } from "./support.ts";

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/** What the child reports after its start and after its stop. */
interface Started {
  readonly bots: number;
  readonly cpuMs: number;
  readonly wallMs: number;
  /** Epoch ms when `runConfig` resolved (the parent's relay probe counts from it). */
  readonly at: number;
  /** The start on the monotonic clock of .cpuprofile timestamps (for profile-summary.ts --window). */
  readonly window: string;
}
interface Stopped {
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly window: string;
}

if (process.argv.includes("--child")) await child();
else await parent();

/** The Switchboard side: starts the config's bots, reports, stops them when told on stdin. */
async function child(): Promise<void> {
  const tree = process.env.BENCH_TREE!;
  const src = (path: string) => import(pathToFileURL(join(tree, "src", path)).href);
  const { parseConfig } = await src("config/mod.ts");
  const { runConfig } = await src("run.ts");
  const { createLogger } = await src("util/log.ts");
  const config = parseConfig(readFileSync(process.env.BENCH_CONFIG!, "utf8"), process.env);
  const log = createLogger("bench", "warn");
  const report = (kind: string, value: unknown) => process.stdout.write(`BENCH ${kind} ${JSON.stringify(value)}\n`);
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  // BENCH_SQL_COUNTS=1: PostgreSQL statements run during the start, by text (Node and Deno load the same pg).
  const statements = new Map<string, number>();
  if (process.env.BENCH_SQL_COUNTS) {
    const { default: pg } = await import(pathToFileURL(join(tree, "node_modules", "pg", "lib", "index.js")).href);
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
      const q = args[0] as string | { text?: string };
      const text = (typeof q === "string" ? q : q?.text ?? "?").replace(/\s+/g, " ").slice(0, 110);
      statements.set(text, (statements.get(text) ?? 0) + 1);
      return original.apply(this, args);
    };
  }
  let c = cpu();
  let t = performance.now();
  let w = monotonicMicros();
  // A takeover (PostgreSQL): the leases as a killed instance leaves them, held by an owner that
  // no longer renews them and has no heartbeat; they expire once start-up is over, and a later
  // round takes them all, as on a surviving instance after a `kill -9` of another.
  const orphan = async (statements: [string, unknown[]][]) => {
    const client = new pg.Client({ connectionString: config.storage });
    await client.connect();
    for (const [statement, values] of statements) await client.query(statement, values);
    await client.end();
  };
  const takeover = process.env.BENCH_TAKEOVER === "1";
  if (takeover) await orphan([["update leases set owner = 'gone', renewed_at = $1, expires_at = $2", [Date.now(), Date.now() + 600_000]], ["delete from instances", []]]);
  // Joining at once: the bench measures the starts, not the pause instances started together take.
  const running = await runConfig(config, { log, cluster: { joinMs: 0, instanceId: "bench" } });
  if (takeover) {
    if (running.bots.length > 0) throw new Error("the first round took leases it should not have");
    await orphan([["update leases set expires_at = $1 where owner = 'gone'", [Date.now()]]]);
    // Counted from here: the CPU since start-up ended, the wall time since a round took the leases.
    c = cpu();
    w = monotonicMicros();
    while (running.cluster && running.cluster.stats.acquired === 0) await new Promise((r) => setTimeout(r, 2));
    t = performance.now();
    while (running.bots.length < config.bots.length) await new Promise((r) => setTimeout(r, 2));
  }
  report("started", { bots: running.bots.length, cpuMs: cpu() - c, wallMs: performance.now() - t, at: Date.now(), window: `${w}:${monotonicMicros()}` } satisfies Started);
  if (statements.size > 0) {
    for (const [text, n] of [...statements].sort((x, y) => y[1] - x[1])) process.stderr.write(`${String(n).padStart(6)}  ${text}\n`);
    statements.clear();
  }
  for await (const line of createInterface({ input: process.stdin })) if (line === "stop") break;
  c = cpu();
  t = performance.now();
  w = monotonicMicros();
  await running.stop();
  report("stopped", { cpuMs: cpu() - c, wallMs: performance.now() - t, window: `${w}:${monotonicMicros()}` } satisfies Stopped);
  process.exit(0);
}

async function parent(): Promise<void> {
  const botCount = Number(arg("bots") ?? 200);
  const runs = Number(arg("runs") ?? 3);
  const stores = (arg("stores") ?? "postgres,sqlite").split(",");
  const trees = [root, ...(arg("ab") ? [resolve(arg("ab")!)] : [])];
  const watchdog = setTimeout(() => {
    console.error("bot-start bench: watchdog fired after 20 minutes");
    process.exit(3);
  }, 1_200_000);

  const emulator = await startEmulator({ host: "127.0.0.1", enforceRateLimits: false });
  const operator = emulator.createUser({ firstName: "Olga" });
  const bots = Array.from({ length: botCount }, (_, i) => {
    const bot = emulator.createBot({ username: `start${i}_bot` });
    const groupId = emulator.createForumGroup({ bots: [bot.token], operators: [operator.id] });
    return { id: `bot${i}`, token: bot.token, groupId, user: emulator.createUser({ firstName: `U${i}` }).id };
  });
  const tracker = new CopyTracker(emulator);
  const arrivedAt = new Map<string, number>();
  tracker.onArrival((a) => arrivedAt.set(`${a.fromChatId}/${a.fromMessageId}`, Date.now()));
  const dir = tempDir("sb-bot-start-");
  const databases: TestDatabase[] = [];
  let ok = true;

  /** One child's life: start, one message per bot relayed, stop. */
  const once = async (tree: string, configPath: string, takeover = false) => {
    const calls0 = { ...emulator.stats().calls };
    const flags = (process.env.BENCH_CHILD_FLAGS ?? "").split(" ").filter((f) => f !== "");
    const script = join(root, "bench", "bot-start.ts");
    const [command, argv]: [string, string[]] = isDeno
      ? [process.execPath, ["run", "-A", ...flags, script, "--child"]]
      : [process.execPath, ["--import", "tsx", ...flags, script, "--child"]];
    const proc = spawn(command, argv, { cwd: tree, env: { ...process.env, BENCH_TREE: tree, BENCH_CONFIG: configPath, ...(takeover ? { BENCH_TAKEOVER: "1" } : {}) }, stdio: ["pipe", "pipe", "pipe"] });
    let errors = "";
    proc.stderr!.on("data", (d) => (errors += d));
    if (process.env.BENCH_SQL_COUNTS) proc.stderr!.pipe(process.stderr);
    const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
    const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
    const next = async <T>(kind: string): Promise<T> => {
      for (;;) {
        const { value, done } = await lines.next();
        if (done) throw new Error(`the child ended before "${kind}" (exit ${await exited}):\n${errors.slice(-3000)}`);
        if (value.startsWith(`BENCH ${kind} `)) return JSON.parse(value.slice(`BENCH ${kind} `.length)) as T;
      }
    };
    const started = await next<Started>("started");
    const calls = Object.entries(emulator.stats().calls).map(([m, n]) => [m, (n as number) - ((calls0 as Record<string, number>)[m] ?? 0)] as const).filter(([, n]) => n > 0);
    const sent = bots.map((b) => `${b.user}/${emulator.userSends(b.token, b.user, { text: "probe" }).message_id}`);
    const all = await tracker.until(() => sent.every((k) => arrivedAt.has(k)), 60_000);
    ok &&= all;
    const relayMs = all ? Math.max(...sent.map((k) => arrivedAt.get(k)!)) - started.at : NaN;
    proc.stdin!.write("stop\n");
    const stopped = await next<Stopped>("stopped");
    await exited;
    return { started, relayMs, stopped, missing: sent.filter((k) => !arrivedAt.has(k)).length, calls: calls.map(([m, n]) => `${m} ${n}`).join(", ") };
  };

  type Result = Awaited<ReturnType<typeof once>>;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  try {
    for (const store of stores) {
      const storage = store === "postgres"
        ? (databases[databases.push(await createTestDatabase(undefined, "sb_bench_")) - 1]).url
        : `sqlite:${join(dir, "switchboard.db")}`;
      const configPath = join(dir, `${store}.yaml`);
      writeFileSync(configPath, `storage: "${storage}"\nbots:\n${bots.map((b) => `  - id: ${b.id}\n    token: "${b.token}"\n    api_root: ${emulator.url}\n    group: ${b.groupId}\n    limits: off\n    params: { welcome: off }\n`).join("")}`);
      // The state a previous owner leaves: topics made, pairs stored, identities recorded.
      await once(root, configPath);
      const results = new Map<string, Result[]>(trees.map((t) => [t, []]));
      for (let r = 0; r < runs; r++) {
        // Alternating which tree goes first, so a drift in the machine's load hits both alike.
        for (const tree of r % 2 === 0 ? trees : [...trees].reverse()) {
          const res = await once(tree, configPath, store === "postgres");
          results.get(tree)!.push(res);
          console.log(`${store} ${tree === root ? "A (this tree)" : `B (${tree})`} run ${r + 1}: ${res.started.bots} bots; start ${fmt(res.started.cpuMs / botCount, 2)} CPU ms/bot, ${fmt(res.started.wallMs / 1000, 2)} s; relaying ${fmt(res.relayMs / 1000, 2)} s later (${res.missing} missing); stop ${fmt(res.stopped.cpuMs / botCount, 2)} CPU ms/bot, ${fmt(res.stopped.wallMs / 1000, 2)} s; windows start ${res.started.window} stop ${res.stopped.window}; Bot API calls during the start: ${res.calls}`);
        }
      }
      const figures = (rs: Result[]) => ({
        startCpu: median(rs.map((x) => x.started.cpuMs / botCount)),
        startWall: median(rs.map((x) => x.started.wallMs / 1000)),
        relay: median(rs.map((x) => x.relayMs / 1000)),
        stopCpu: median(rs.map((x) => x.stopped.cpuMs / botCount)),
        stopWall: median(rs.map((x) => x.stopped.wallMs / 1000)),
      });
      const [a, b] = trees.map((t) => figures(results.get(t)!));
      console.log(`\n${store}, ${botCount} bots, median of ${runs} (${isDeno ? "deno" : `node ${process.version}`})`);
      console.log(`| tree | start CPU ms/bot | start wall s | then all relay s | stop CPU ms/bot | stop wall s |`);
      console.log(`|---|---|---|---|---|---|`);
      const row = (name: string, f: typeof a) => console.log(`| ${name} | ${fmt(f.startCpu, 2)} | ${fmt(f.startWall, 2)} | ${fmt(f.relay, 2)} | ${fmt(f.stopCpu, 2)} | ${fmt(f.stopWall, 2)} |`);
      row("A (this tree)", a);
      if (b) {
        row(`B (${trees[1]})`, b);
        console.log(`| A/B | ${fmt(a.startCpu / b.startCpu, 2)} | ${fmt(a.startWall / b.startWall, 2)} | ${fmt(a.relay / b.relay, 2)} | ${fmt(a.stopCpu / b.stopCpu, 2)} | ${fmt(a.stopWall / b.stopWall, 2)} |`);
      }
      console.log("");
    }
  } finally {
    clearTimeout(watchdog);
    tracker.close();
    await emulator.close?.();
    for (const d of databases) await d.drop().catch(() => undefined);
    removeDir(dir);
  }
  process.exit(ok ? 0 : 1);
}
