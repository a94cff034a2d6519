/**
 * Several instances: what it costs when Telegram's webhook reaches an instance that does not own
 * the bot (issue 15, cluster/front.ts). Two instances run in-process on one fresh PostgreSQL
 * database; i1 owns the one bot. Runs alternate between the webhook URL pointing at i1's receiver
 * (the owner stores and is woken in-process… through its own LISTEN, the same path) and at i2's
 * (stored there, the owner woken by NOTIFY). Messages go one at a time; the latency is from
 * `userSends` to the copy stored in the topic (the emulator's change hook). Timings are printed,
 * never asserted; a message missing or doubled exits non-zero.
 *
 *   npx tsx bench/fronts.ts [--messages 200] [--runs 2]
 */
import { parseConfig } from "../src/config/mod.ts";
import { type Running, runConfig } from "../src/run.ts";
import { startEmulator } from "../src/sandbox/emulator/mod.ts";
import { createLogger } from "../src/util/log.ts";
import { createTestDatabase } from "../test/support/postgres.ts";
import { freePort } from "../test/support/world.ts";
import { CopyTracker, now, runtimeName, sleep } from "./support.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const messages = arg("messages", 200);
const runs = arg("runs", 2);

const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** One run: the webhook goes to `target`'s receiver; the latencies in ms. */
async function run(target: "i1" | "i2"): Promise<number[]> {
  const emulator = await startEmulator({});
  const database = await createTestDatabase(undefined, "sb_bench_");
  const started: Running[] = [];
  try {
    const bot = emulator.createBot({ username: "acme_support_bot", firstName: "Acme" });
    const operator = emulator.createUser({ firstName: "Olga" });
    const groupId = emulator.createForumGroup({ title: "Ops", bots: [bot.token], operators: [operator.id] });
    const ports = { i1: await freePort(), i2: await freePort() };
    const configOf = (name: "i1" | "i2") => parseConfig(`storage: "${database.url}"
bots:
  - id: acme
    token: "${bot.token}"
    api_root: ${emulator.url}
    group: ${groupId}
    limits: off
    updates: webhook
    webhook: { url: "http://127.0.0.1:${ports[target]}/hook", listen: "127.0.0.1:${ports[name]}" }
    params: { welcome: off }
`, {});
    const log = createLogger("bench", "warn");
    for (const name of ["i1", "i2"] as const) {
      started.push(await runConfig(configOf(name), { log, cluster: { instanceId: name } }));
      // i1 alone takes the bot.
      if (name === "i1") while (!started[0].cluster?.owned.includes("acme")) await sleep(20);
    }
    const tracker = new CopyTracker(emulator);
    const users = Array.from({ length: 20 }, (_, i) => emulator.createUser({ firstName: `U${i}` }).id);
    // Warm-up: every user's topic exists before timing.
    for (const user of users) {
      const sent = emulator.userSends(bot.token, user, { text: "warm-up" });
      if (!(await tracker.until(() => tracker.arrivals.some((a) => a.fromChatId === user && a.fromMessageId === sent.message_id), 30_000))) throw new Error("warm-up message lost");
    }
    const latencies: number[] = [];
    for (let i = 0; i < messages; i++) {
      const user = users[i % users.length];
      const at = now();
      const sent = emulator.userSends(bot.token, user, { text: `m${i}` });
      const arrived = () => tracker.arrivals.find((a) => a.fromChatId === user && a.fromMessageId === sent.message_id);
      if (!(await tracker.until(() => arrived() !== undefined, 30_000))) throw new Error(`message ${i} lost`);
      latencies.push(arrived()!.at - at);
    }
    const copies = tracker.arrivals.length;
    tracker.close();
    if (copies !== users.length + messages) throw new Error(`expected ${users.length + messages} copies, got ${copies}`);
    return latencies;
  } finally {
    for (const r of started.reverse()) await r.stop().catch(() => undefined);
    await emulator.close();
    await database.drop();
  }
}

const results: Record<"i1" | "i2", number[]> = { i1: [], i2: [] };
for (let r = 0; r < runs; r++) {
  for (const target of ["i1", "i2"] as const) {
    const latencies = await run(target);
    results[target].push(...latencies);
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(`run ${r + 1}, webhook to ${target === "i1" ? "the owner (i1)" : "the other instance (i2)"}: ${messages} messages, latency p50 ${quantile(sorted, 0.5).toFixed(1)} ms, p90 ${quantile(sorted, 0.9).toFixed(1)} ms, p99 ${quantile(sorted, 0.99).toFixed(1)} ms`);
  }
}
const summary = Object.fromEntries((["i1", "i2"] as const).map((t) => {
  const sorted = [...results[t]].sort((a, b) => a - b);
  return [t === "i1" ? "owner" : "nonOwner", { p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p99: quantile(sorted, 0.99), n: sorted.length }];
}));
console.log(`BENCH_RESULT ${JSON.stringify({ bench: "fronts", runtime: runtimeName(), messages, runs, ...summary })}`);
process.exit(0);
