/**
 * Broadcast benchmark: Switchboard (the real CLI, as a child) broadcasts a template to N users
 * (10,000 by default; `--users N`) against the emulator **with Telegram's limits enforced**
 * (1/s per private chat, 20/min per group, 30/s per bot; over them a call gets 429). Meanwhile an
 * operator answers one user every 1.5 s, and that answer's latency (operator's post → the user's
 * copy) is measured before and during the broadcast.
 *
 * Prints: the achieved rate (recipients / time from the first to the last delivery) as a fraction
 * of Telegram's 30/s — the broadcast's alone, and the bot's total (broadcast and relaying, which
 * share the 30/s) over the same span — the 429 count, the
 * operator → user latency (p50/p99) before and during, and the child's peak RSS. `BENCH_RESULT
 * {json}` last. Exits non-zero when a recipient is missing or got it twice.
 *
 *   npx tsx bench/broadcast.ts [--users 10000]     ·     node_modules/deno/deno run -A bench/broadcast.ts
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startEmulator } from "../src/sandbox/emulator/mod.ts";
import { fmt, interference, now, procCpuSeconds, procStatusMb, quantile, readyLine, removeDir, runtimeName, selfCpuSeconds, sleep, spawnSwitchboard, tempDir, watchdog } from "./support.ts";

const argIndex = process.argv.indexOf("--users");
const N = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 10_000;
const TEXT = "Bench news";

const emulator = await startEmulator({ enforceRateLimits: true, host: "127.0.0.1" });
const bot = emulator.createBot({ username: "acme_support_bot", firstName: "Acme Support" });
const operator = emulator.createUser({ firstName: "Olga", username: "olga" });
const groupId = emulator.createForumGroup({ title: "Acme operators", bots: [bot.token], operators: [operator.id] });
const dir = tempDir("sb-bench-broadcast-");
const configPath = join(dir, "switchboard.yaml");
// Switchboard's own pacing on (Telegram's limits), unlike the relay benches.
writeFileSync(configPath, `storage: "sqlite:${join(dir, "switchboard.db")}"\nbots:\n  - id: acme\n    token: \${ACME_TOKEN}\n    api_root: ${emulator.url}\n    group: ${groupId}\n`);

const api = async (method: string, params: Record<string, unknown>) =>
  (await (await fetch(`${emulator.url}/bot${bot.token}/${method}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(params) })).json()) as { ok: boolean; result: any };

// N users who started the bot (their private chats exist); their /start updates are confirmed
// away before Switchboard starts, so it does not open N topics (20/min per group would take hours).
const users = Array.from({ length: N }, (_, i) => emulator.createUser({ firstName: `U${i}` }));
for (const u of users) emulator.userSends(bot.token, u.id, { text: "/start" });
for (let offset = 0; ;) {
  const batch = (await api("getUpdates", { offset, timeout: 0, limit: 100 })).result as { update_id: number }[];
  if (batch.length === 0) break;
  offset = batch.at(-1)!.update_id + 1;
}

const child = spawnSwitchboard(configPath, bot.token);
const guard = watchdog(Math.max(180_000, (N / 28) * 1000 * 1.5 + 120_000), () => child.child.kill("SIGKILL"));
let exitCode = 0;
try {
  await child.waitForOutput(readyLine, 30_000);
  console.log("switchboard ready");
  const recipients = new Set(users.map((u) => u.id));
  const deliveries = new Map<number, number>();
  let firstAt = 0;
  let lastAt = 0;
  const ann = emulator.createUser({ firstName: "Ann" });
  const posted = new Map<string, number>();
  const latencies: { during: boolean; ms: number }[] = [];
  let broadcasting = false;
  /** When each of the bot's new messages was made (all of them count towards Telegram's 30/s). */
  const botMessages: number[] = [];
  emulator.onChange((e) => {
    if (e.type !== "message" || e.chatId === undefined) return;
    const m = e.data as { text?: string; from?: { is_bot?: boolean } };
    if (!m.from?.is_bot) return;
    botMessages.push(now());
    if (recipients.has(e.chatId) && m.text === TEXT) {
      const t = now();
      if (firstAt === 0) firstAt = t;
      lastAt = t;
      deliveries.set(e.chatId, (deliveries.get(e.chatId) ?? 0) + 1);
    } else if (e.chatId === ann.id && m.text && posted.has(m.text)) {
      latencies.push({ during: broadcasting, ms: now() - posted.get(m.text)! });
    }
  });

  // Ann's dialog, for the operator's answers.
  emulator.userSends(bot.token, ann.id, { text: "hello" });
  let topic: number | undefined;
  while (topic === undefined) {
    topic = emulator.topics(groupId).find((t) => t.name.includes("Ann"))?.threadId;
    await sleep(50);
  }
  let answer = 0;
  let answering = true;
  const answers = (async () => {
    while (answering) {
      const text = `answer ${++answer}`;
      posted.set(text, now());
      emulator.operatorPosts(groupId, operator.id, { threadId: topic, text });
      await sleep(1_500);
    }
  })();
  console.log("topic ready; measuring the baseline");
  await sleep(15_000); // baseline latency

  /** The bot's next answer in General after `fn`. */
  const general = () => emulator.messages(groupId).filter((m) => m.message_thread_id === undefined && m.from?.is_bot);
  const askGeneral = async (text: string, replyTo?: number) => {
    const before = general().length;
    emulator.operatorPosts(groupId, operator.id, { text, ...(replyTo ? { replyToMessageId: replyTo } : {}) });
    for (;;) {
      const next = general().slice(before).find((m) => m.text !== undefined && !/^📣 Broadcast #\d+ \(\w+\)(: | finished)/.test(m.text));
      if (next) return next.text!;
      await sleep(50);
    }
  };
  const source = emulator.operatorPosts(groupId, operator.id, { text: TEXT });
  console.log(await askGeneral("/template save bench", source.message_id));
  const form = new FormData();
  form.set("chat_id", String(groupId));
  form.set("document", new Blob([users.map((u) => u.id).join("\n")], { type: "text/plain" }), "ids.txt");
  const file = await (await fetch(`${emulator.url}/bot${bot.token}/sendDocument`, { method: "POST", body: form })).json();
  // That upload was the bot's (Switchboard does not know of it): out of Telegram's one-second
  // window before the broadcast may start.
  await sleep(1_100);
  const draft = await askGeneral("/send bench to file", file.result.message_id);
  console.log(draft);
  const id = Number(/#(\d+)/.exec(draft)![1]);
  const t0 = now();
  const rateLimitedBefore = emulator.stats().rateLimited;
  broadcasting = true;
  const others = interference(child.pid);
  const cpu0 = { child: procCpuSeconds(child.pid), self: selfCpuSeconds() };
  console.log(await askGeneral(`/send go ${id}`));
  let rss = 0;
  while (deliveries.size < N) {
    rss = Math.max(rss, procStatusMb(child.pid, "VmHWM"));
    await sleep(1_000);
    if (now() - t0 > (N / 28) * 1000 * 1.4 + 60_000) throw new Error(`only ${deliveries.size} of ${N} delivered in time`);
  }
  broadcasting = false;
  const disturbed = others();
  const cpu = { child: procCpuSeconds(child.pid) - cpu0.child, self: selfCpuSeconds() - cpu0.self };
  rss = Math.max(rss, procStatusMb(child.pid, "VmHWM"));
  // The sender's own account of its time (logged when the broadcast finishes).
  await child.waitForOutput(/broadcast finished/, 30_000).catch(() => undefined);
  const spentLine = child.output().split("\n").find((l) => l.includes("broadcast finished")) ?? "";
  answering = false;
  await answers;

  const seconds = (lastAt - firstAt) / 1000;
  const rate = (N - 1) / seconds;
  const totalRate = (botMessages.filter((t) => t > firstAt && t <= lastAt).length) / seconds;
  const twice = [...deliveries.values()].filter((n) => n > 1).length;
  const rateLimited = emulator.stats().rateLimited - rateLimitedBefore;
  const lat = (during: boolean) => latencies.filter((l) => l.during === during).map((l) => l.ms).sort((a, b) => a - b);
  const before = lat(false);
  const during = lat(true);
  const result = {
    runtime: runtimeName(), users: N, seconds: +seconds.toFixed(1), rate: +rate.toFixed(2),
    of_telegram_30: +(rate / 30).toFixed(3), of_telegram_30_bot_total: +(totalRate / 30).toFixed(3), rate_limited_429: rateLimited, delivered_twice: twice,
    latency_before_ms: { p50: +quantile(before, 0.5).toFixed(0), p99: +quantile(before, 0.99).toFixed(0), n: before.length },
    latency_during_ms: { p50: +quantile(during, 0.5).toFixed(0), p99: +quantile(during, 0.99).toFixed(0), n: during.length },
    peak_rss_mb: +rss.toFixed(1),
    cpu_s: { switchboard: +cpu.child.toFixed(1), bench_and_emulator: +cpu.self.toFixed(1), other_processes: +disturbed.otherCpuSeconds.toFixed(1), steal: +disturbed.stealSeconds.toFixed(1) },
  };
  console.log(`broadcast to ${N} users in ${fmt(seconds)} s: ${fmt(rate, 2)}/s = ${fmt(result.of_telegram_30 * 100)} % of Telegram's 30/s; the bot's total (with relaying) ${fmt(totalRate, 2)}/s = ${fmt(result.of_telegram_30_bot_total * 100)} %`);
  console.log(`429s: ${rateLimited}; delivered twice: ${twice}; missing: ${N - deliveries.size}`);
  console.log(`operator → user latency p50/p99: before ${fmt(result.latency_before_ms.p50, 0)}/${fmt(result.latency_before_ms.p99, 0)} ms, during ${fmt(result.latency_during_ms.p50, 0)}/${fmt(result.latency_during_ms.p99, 0)} ms`);
  console.log(`peak RSS of Switchboard: ${fmt(rss)} MB`);
  console.log(`CPU during the broadcast: Switchboard ${fmt(cpu.child)} s, bench + emulator ${fmt(cpu.self)} s, other processes ${fmt(disturbed.otherCpuSeconds)} s (of ${fmt(seconds * 2)} on 2 cores), steal ${fmt(disturbed.stealSeconds)} s`);
  console.log(`the sender's account: ${spentLine.slice(spentLine.indexOf("broadcast finished"))}`);
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
  if (twice > 0 || deliveries.size < N) exitCode = 1;
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  console.error(child.output().slice(-3000));
  exitCode = 1;
} finally {
  guard.cancel();
  await child.stop();
  await emulator.close();
  removeDir(dir);
}
process.exit(exitCode);
