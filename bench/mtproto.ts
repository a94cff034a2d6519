/**
 * MTProto-mode relay benchmark: users' messages arriving through the MTProto session (mtcute's
 * real client and updates manager, Telegram stubbed at the RPC boundary by
 * test/support/fake-mtproto.ts) mirrored into their topics, plus the other system's replies
 * intercepted, with Switchboard's own sends filtered out of the echo stream.
 *
 * Unlike bench/relay.ts, Switchboard runs in-process (the fake MTProto server cannot cross a
 * process boundary), so emulator, fake server and Switchboard share one event loop: the figure
 * is a lower bound of what the session adds, not comparable one to one with relay.ts.
 *
 * Throughput phase: 200 users × 10 messages, offered interleaved as fast as possible; for each
 * user message the "other system" answers with a Bot API sendMessage (so every user message
 * causes one interception and one own-send echo). Wall time until every user message has its
 * copy in a topic and every answer its 🤖 line. Exits 1 when anything is missing or doubled.
 *
 * `--polling` runs the same workload with Switchboard on long polling instead (the other
 * system's answers are then simply not seen): the in-process baseline to compare with.
 *
 * Run: `npx tsx bench/mtproto.ts [--polling]` or `node_modules/deno/deno run -A bench/mtproto.ts`.
 */
import { join } from "node:path";
import { parseConfig } from "../src/config/mod.ts";
import { runConfig } from "../src/run.ts";
import { createLogger } from "../src/util/log.ts";
import { FakeMtproto } from "../test/support/fake-mtproto.ts";
import { createBenchWorld, fmt, now, removeDir, runtimeName, sleep, watchdog, yieldToLoop } from "./support.ts";

const USERS = 200;
const MESSAGES_EACH = 10;
const TIMEOUT_MS = 120_000;

const polling = process.argv.includes("--polling");
const world = await createBenchWorld("sb-bench-mtproto-");
const dog = watchdog(180_000, () => removeDir(world.dir));
const fake = new FakeMtproto(world.emulator, world.bot);
const yaml = `storage: "sqlite:${join(world.dir, "mt.db")}"
bots:
  - id: acme
    token: \${ACME_TOKEN}
    api_root: ${world.emulator.url}
    group: ${world.groupId}
    limits: off
${polling ? "" : `    parallel: { mode: mtproto, api_id: 1, api_hash: "0123456789abcdef0123456789abcdef" }\n`}    params: { welcome: off }
`;
const running = await runConfig(parseConfig(yaml, { ACME_TOKEN: world.bot.token }), { log: createLogger("bench", "warn"), albumSettleMs: 150, mtprotoClient: fake.factory });

// Count arrivals: user copies in topics, and 🤖 lines.
let copies = 0;
let intercepted = 0;
const seenCopy = new Set<string>();
let doubled = 0;
world.emulator.onChange((e) => {
  if (e.type !== "message" || e.chatId !== world.groupId) return;
  const m = e.data as { text?: string; copiedFrom?: { chatId: number; messageId: number } };
  if (m.copiedFrom) {
    const key = `${m.copiedFrom.chatId}:${m.copiedFrom.messageId}`;
    if (seenCopy.has(key)) doubled++;
    seenCopy.add(key);
    copies++;
  } else if (m.text?.startsWith("🤖 ")) intercepted++;
});

const users = Array.from({ length: USERS }, (_, i) => world.emulator.createUser({ firstName: `U${i}` }));
const total = USERS * MESSAGES_EACH;
const started = now();
for (let round = 0; round < MESSAGES_EACH; round++) {
  for (const u of users) {
    world.emulator.userSends(world.bot.token, u.id, { text: `m${round}` });
    // The other system answers each message through the Bot API.
    void world.emulator.call(world.bot.token, "sendMessage", { chat_id: u.id, text: `answer ${round}` });
  }
  await yieldToLoop();
}
const deadline = Date.now() + TIMEOUT_MS;
const expectedIntercepted = polling ? 0 : total;
while ((copies < total || intercepted < expectedIntercepted) && Date.now() < deadline) await sleep(20);
const seconds = (now() - started) / 1000;
await sleep(300);
const stats = running.bots[0].mtproto?.stats;
await running.stop();
fake.close();
await world.emulator.close();
dog.cancel();
removeDir(world.dir);

const ok = copies === total && intercepted === expectedIntercepted && doubled === 0;
console.log(`${polling ? "Polling baseline" : "MTProto mode"} (${runtimeName()}, in-process): ${total} user messages + ${total} other-system answers`);
console.log(`  wall ${fmt(seconds, 2)} s → ${fmt(total / seconds, 0)} user msg/s relayed${polling ? "" : " (+ as many interceptions)"}`);
console.log(`  copies ${copies}/${total}, intercepted ${intercepted}/${expectedIntercepted}, doubled ${doubled}${stats ? `; session stats ${JSON.stringify(stats)}` : ""}`);
console.log(ok ? "OK" : "FAILED");
process.exit(ok ? 0 : 1);
