/**
 * In-process micro-benchmark of the step path (steps.ts `apply`, commit.ts, the plugin host):
 * a user → topic burst without Telegram or delivery. `users` new users write `each` messages,
 * interleaved round by round, stepped in batches of `batch` envelopes as the processor hands
 * them over; after each user's first message its topic is "created" (a `topic.created` step,
 * as delivery reports it). Prints CPU µs and allocated bytes per message of the steady part.
 *
 * Run: `npx tsx bench/steps-micro.ts [rounds]` (add `--expose-gc` via NODE_OPTIONS for cleaner
 * allocation figures). Profile: `NODE_OPTIONS=--cpu-prof npx tsx bench/steps-micro.ts`.
 */
import type { Message } from "@grammyjs/types";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../src/config/mod.ts";
import { createConversationMachine } from "../src/conversation/machine.ts";
import { displayName } from "../src/conversation/title.ts";
import { ConversationSteps, type Envelope } from "../src/pipeline/steps.ts";
import { loadPlugins } from "../src/plugins/load.ts";
import { openStore } from "../src/store/open.ts";
import { createLogger } from "../src/util/log.ts";

const rounds = Number(process.argv[2] ?? 5);
const users = 200, each = 10, batch = 10;
const dir = mkdtempSync(join(tmpdir(), "steps-micro-"));
const config = parseConfig(`storage: "sqlite:${join(dir, "s.db")}"\nbots:\n  - id: acme\n    token: \${T}\n    group: -1001000000001\n    limits: off\n`, { T: "1:ABCDEFGHIJKLMNOPQRSTUVWXYZ" });
const bot = config.bots[0];
const db = await openStore(config.storage);
const log = createLogger("acme", "error");
const view = { id: bot.id, username: "acme_bot", groupId: bot.group, params: bot.params };
const plugins = await loadPlugins(bot, 0, view, log, db);
const nameOf = (user: Parameters<typeof displayName>[0]) => plugins.nameOf(user, view) ?? displayName(user);
const machine = createConversationMachine({ iconColor: plugins.topicIconColor(view), nameOf, hideGroupSenders: false, suffixOf: (data) => plugins.titleSuffix(data, view) });
const steps = new ConversationSteps({ db, bot: view, machine, plugins, log });

let updateId = 0, messageId = 0, topicId = 1000;
const message = (userId: number, text: string): Message => ({
  message_id: ++messageId, date: 0, chat: { id: userId, type: "private", first_name: "U" + userId }, from: { id: userId, is_bot: false, first_name: "U" + userId }, text,
}) as Message;

/** Starts and stops V8's allocation sampling through the inspector. */
async function allocSampler() {
  const { Session } = await import("node:inspector");
  const session = new Session();
  session.connect();
  const post = <R>(method: string, params?: object) => new Promise<R>((resolve, reject) => session.post(method, params, (e: Error | null, r?: object) => (e ? reject(e) : resolve(r as R))));
  await post("HeapProfiler.enable");
  type Node = { selfSize: number; callFrame: { functionName: string; url: string; lineNumber: number }; children: Node[] };
  return {
    start: () => post("HeapProfiler.startSampling", { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }),
    async stop() {
      const { profile } = await post<{ profile: { head: Node } }>("HeapProfiler.getSamplingProfile");
      await post("HeapProfiler.stopSampling");
      let total = 0;
      const byFunction = new Map<string, number>();
      const walk = (n: Node) => {
        total += n.selfSize;
        const where = `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.replace(/^.*node_modules\//, "")}:${n.callFrame.lineNumber + 1}`;
        byFunction.set(where, (byFunction.get(where) ?? 0) + n.selfSize);
        for (const c of n.children) walk(c);
      };
      walk(profile.head);
      return { total, top: [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 15) };
    },
  };
}

/** One burst of fresh users; returns [messages, cpu µs, bytes] of it. */
async function burst(base: number): Promise<[number, number, number]> {
  const cpu0 = process.cpuUsage(), heap0 = process.memoryUsage().heapUsed;
  let n = 0;
  let pending: Envelope[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const now = Date.now();
    const { applied } = await steps.apply(pending, [], now);
    pending = [];
    // Delivery's report of each created topic, one step each.
    for (const a of applied) if (a.intents.some((i) => i.type === "createTopic")) await steps.apply([{ chatId: a.chatId, event: { type: "topic.created", topicId: ++topicId } }], [], now);
  };
  for (let r = 0; r < each; r++) {
    for (let u = 0; u < users; u++) {
      const id = base + u;
      const user = { id, firstName: "U" + id };
      pending.push({ chatId: id, user, updateId: ++updateId, event: { type: "user.message", message: message(id, `m${r}`), user } });
      n++;
      if (pending.length === batch) await flush();
    }
  }
  await flush();
  const cpu = process.cpuUsage(cpu0);
  return [n, cpu.user + cpu.system, process.memoryUsage().heapUsed - heap0];
}

const figures: number[] = [];
// ALLOC=1: allocations per message of the measured rounds, young garbage included (V8's sampling
// heap profiler; the figure is an estimate from samples every 4 KB).
const sampler = process.env.ALLOC ? await allocSampler() : undefined;
let sampled = 0;
for (let r = 0; r < rounds; r++) {
  if (sampler && r === Math.ceil(rounds / 3)) await sampler.start();
  const [n, us] = await burst(1_000_000 * (r + 1));
  if (sampler && r >= Math.ceil(rounds / 3)) sampled += n;
  if (process.env.VERBOSE) console.log(`round ${r + 1}: ${n} messages, ${(us / n).toFixed(1)} µs CPU per message`);
  if (r >= rounds / 3) figures.push(us / n);
}
figures.sort((a, b) => a - b);
console.log(`µs CPU per message (last ${figures.length} of ${rounds} rounds): median ${figures[figures.length >> 1].toFixed(1)}, best ${figures[0].toFixed(1)}`);
if (sampler) {
  const { total, top } = await sampler.stop();
  console.log(`allocated per message: ~${(total / sampled / 1024).toFixed(1)} KB; top allocating functions (KB per message):`);
  for (const [where, bytes] of top) console.log(`  ${(bytes / sampled / 1024).toFixed(2).padStart(6)}  ${where}`);
}

rmSync(dir, { recursive: true, force: true });
if (process.env.STRINGIFY) {
  const row = steps.cachedRow(1_000_000 * rounds + 5)!;
  const fresh = JSON.parse(JSON.stringify(row.snapshot));
  console.log(JSON.stringify(row.snapshot));
  for (const [name, x] of [["stepped", row.snapshot], ["parsed", fresh], ["stepped", row.snapshot], ["parsed", fresh]] as const) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < 1e5; i++) JSON.stringify(x);
    console.log(name, Number(process.hrtime.bigint() - t) / 1e5, "ns per stringify");
  }
}
await db.destroy();
