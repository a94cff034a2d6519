/**
 * Memory benchmark: peak RSS of Switchboard on a store with many stored conversations while a
 * smaller set of users is active. Memory should follow the active conversations, not the stored.
 *
 * 1. Starts the emulator in-process (rate limits off) and Switchboard once as a child process
 *    through the real CLI (`limits: off`), which creates the store's schema; stops it.
 * 2. Pre-populates the store with 100,000 conversations (`--stored N` or `BENCH_STORED=N` for
 *    another count, e.g. 1,000,000 for `npm run bench:memory:1m`), see bench/prepopulate.ts: rows
 *    as production writes them (the real machine's snapshot after a `user.message` and a
 *    `topic.created`), with fake topic ids the emulator does not know, so those users stay
 *    inactive. Then starts Switchboard again on that store, on the bench's own runtime.
 * 3. Drives 1,000 new users: 5 messages each (5,000 copies into topics), then an operator answers
 *    300 of them twice (600 copies to users), then those 300 write once more (300 copies).
 * 4. Prints the time to pre-populate and the child's RSS: after start-up, and its peak (VmHWM
 *    from /proc/<pid>/status). Targets (issue #9): ≤ 200 MB with 100,000 stored, ≤ 250 MB with
 *    1,000,000 stored.
 *
 * Run: `npx tsx bench/memory.ts [--stored N]` or `node_modules/deno/deno run -A bench/memory.ts
 * [--stored N]`. Exits 1 when a message is missing or duplicated; memory is reported, never
 * asserted. The last line is `BENCH_RESULT {json}` for bench/repeat.ts. A watchdog ends it after
 * 4 minutes plus 3 minutes per started million of stored rows.
 */
import { statSync } from "node:fs";
import Database from "libsql";
import { prepopulate } from "./prepopulate.ts";
import {
  type Arrival,
  type BenchWorld,
  checkTopicCopies,
  CopyTracker,
  createBenchWorld,
  fmt,
  formatCorrectness,
  interference,
  isCorrect,
  now,
  procCpuSeconds,
  procStatusMb,
  readyLine,
  removeDir,
  runtimeName,
  sleep,
  spawnSwitchboard,
  watchdog,
  yieldToLoop,
} from "./support.ts";

const BOT_ID = "acme";
/** Stored conversations: `--stored N` or `BENCH_STORED=N`, default 100,000. */
const STORED = storedCount();
const ACTIVE = 1_000;
const MESSAGES_EACH = 5;
const ANSWERED = 300;
const REPLIES_EACH = 2;
const DRAIN_TIMEOUT_MS = 90_000;
const RSS_SAMPLE_MS = 100;
/**
 * The whole bench must end by itself: 4 minutes for start-ups and the run, plus 3 minutes per
 * million stored rows for the fill (it takes ~25 s per million on a quiet machine).
 */
const WATCHDOG_MS = 240_000 + Math.ceil(STORED / 1_000_000) * 180_000;

function storedCount(): number {
  const i = process.argv.indexOf("--stored");
  const raw = i >= 0 ? process.argv[i + 1] : process.env.BENCH_STORED;
  const n = raw === undefined ? 100_000 : Number(raw.replaceAll("_", ""));
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench/memory: --stored / BENCH_STORED must be a positive integer, got ${raw}`);
  return n;
}

/** Conversations of the bot by state, read straight from the store file after the run. */
function countStates(dbPath: string): Record<string, number> {
  const db = new Database(dbPath);
  try {
    const rows = db.prepare("select state, count(*) as n from conversations where bot_id = ? group by state").all(BOT_ID) as { state: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  } finally {
    db.close();
  }
}

/** Samples the child's current RSS, remembering the highest value and the phase it fell in. */
function rssSampler(pid: number) {
  let phase = "start-up";
  let peak = { mb: 0, phase };
  const timer = setInterval(() => {
    const mb = procStatusMb(pid, "VmRSS");
    if (mb > peak.mb) peak = { mb, phase };
  }, RSS_SAMPLE_MS);
  return {
    setPhase: (p: string) => (phase = p),
    peak: () => peak,
    stop: () => clearInterval(timer),
  };
}

/** Each user in `users` sends `rounds` messages, interleaved; returns the ids per user. */
async function usersWrite(world: BenchWorld, users: readonly number[], rounds: number, sent: Map<number, number[]>, label: string): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (const userId of users) {
      const m = world.emulator.userSends(world.bot.token, userId, { text: `${label} ${round + 1} from ${userId}` });
      sent.get(userId)!.push(m.message_id);
    }
    await yieldToLoop();
  }
}

/** Distinct copies into the group of the messages in `sent`. */
const topicCopies = (world: BenchWorld, arrivals: readonly Arrival[], sent: ReadonlyMap<number, readonly number[]>) =>
  new Set(arrivals.filter((a) => a.chatId === world.groupId && sent.has(a.fromChatId)).map((a) => `${a.fromChatId}:${a.fromMessageId}`)).size;

/** Distinct copies of operator messages into users' private chats. */
const userCopies = (world: BenchWorld, arrivals: readonly Arrival[]) =>
  new Set(arrivals.filter((a) => a.fromChatId === world.groupId && a.chatId > 0).map((a) => a.fromMessageId)).size;

async function main(): Promise<number> {
  const world = await createBenchWorld("sb-bench-memory-");
  const tracker = new CopyTracker(world.emulator);
  let child = spawnSwitchboard(world.configPath, world.bot.token);
  const guard = watchdog(WATCHDOG_MS, () => child.child.kill("SIGKILL"));
  let rss: ReturnType<typeof rssSampler> | undefined;
  try {
    // A first start creates the schema the way production does; then the bench fills the store.
    await child.waitForOutput(readyLine, 60_000);
    await child.stop();
    const prepopulateMs = await prepopulate(world.dbPath, BOT_ID, STORED);
    const dbMb = statSync(world.dbPath).size / 1048576;
    console.log(`pre-populated ${STORED.toLocaleString("en")} conversations in ${fmt(prepopulateMs / 1000, 1)} s (store ${fmt(dbMb)} MB)`);

    child = spawnSwitchboard(world.configPath, world.bot.token);
    rss = rssSampler(child.pid);
    const started = now();
    await child.waitForOutput(readyLine, 60_000);
    await sleep(500);
    const idleMb = procStatusMb(child.pid, "VmRSS");
    console.log(`switchboard (${runtimeName()}) is receiving updates after ${fmt(now() - started, 0)} ms; RSS ${fmt(idleMb)} MB`);

    const users = Array.from({ length: ACTIVE }, (_, i) => world.emulator.createUser({ firstName: "Active", lastName: `User${i}`, languageCode: "en" }).id);
    const sent = new Map<number, number[]>(users.map((id) => [id, []]));
    const runStart = now();
    const disturbed = interference(child.pid);
    const childCpu0 = procCpuSeconds(child.pid);

    rss.setPhase("users write");
    await usersWrite(world, users, MESSAGES_EACH, sent, "question");
    const expectedA = ACTIVE * MESSAGES_EACH;
    const okA = await tracker.until(() => topicCopies(world, tracker.arrivals, sent) >= expectedA, DRAIN_TIMEOUT_MS);
    console.log(`users write: ${topicCopies(world, tracker.arrivals, sent)}/${expectedA} copies in topics after ${fmt((now() - runStart) / 1000, 2)} s`);

    rss.setPhase("operators answer");
    const threadOf = new Map<number, number>();
    for (const a of tracker.arrivals) if (a.chatId === world.groupId && a.threadId !== undefined) threadOf.set(a.fromChatId, a.threadId);
    const answered = users.filter((_, i) => i % Math.floor(ACTIVE / ANSWERED) === 0).slice(0, ANSWERED).filter((u) => threadOf.has(u));
    for (let r = 0; r < REPLIES_EACH; r++) {
      for (const userId of answered) world.emulator.operatorPosts(world.groupId, world.operator.id, { text: `Answer ${r + 1} for ${userId}`, threadId: threadOf.get(userId)! });
      await yieldToLoop();
    }
    const expectedB = answered.length * REPLIES_EACH;
    const okB = await tracker.until(() => userCopies(world, tracker.arrivals) >= expectedB, DRAIN_TIMEOUT_MS);
    console.log(`operators answer: ${userCopies(world, tracker.arrivals)}/${expectedB} copies to users after ${fmt((now() - runStart) / 1000, 2)} s`);

    rss.setPhase("users answer back");
    await usersWrite(world, answered, 1, sent, "thanks");
    const expectedC = expectedA + answered.length;
    const okC = await tracker.until(() => topicCopies(world, tracker.arrivals, sent) >= expectedC, DRAIN_TIMEOUT_MS);
    const runSeconds = (now() - runStart) / 1000;
    const childCpuSeconds = procCpuSeconds(child.pid) - childCpu0;
    const disturbance = disturbed();
    console.log(`users answer back: ${topicCopies(world, tracker.arrivals, sent) - expectedA}/${answered.length} copies in topics after ${fmt(runSeconds, 2)} s`);

    await sleep(300);
    const peakMb = procStatusMb(child.pid, "VmHWM");
    const endMb = procStatusMb(child.pid, "VmRSS");
    const correctness = checkTopicCopies(sent, tracker.arrivals, world.groupId);
    const repliesOk = okB && userCopies(world, tracker.arrivals) === expectedB;
    console.log(`correctness: topics ${formatCorrectness(correctness)}; operator replies ${userCopies(world, tracker.arrivals)}/${expectedB}`);
    console.log(`during the run: switchboard ${fmt(childCpuSeconds, 2)} CPU-s; other processes ${fmt(disturbance.otherCpuSeconds, 2)} CPU-s, steal ${fmt(disturbance.stealSeconds, 2)} s`);
    rss.stop();
    await child.stop();

    const states = countStates(world.dbPath);
    const ok = okA && okC && isCorrect(correctness) && repliesOk;
    console.log("");
    console.log(`== memory results (${runtimeName()}) ==`);
    console.log(
      `memory: peak RSS ${fmt(peakMb)} MB (VmHWM; highest sample ${fmt(rss.peak().mb)} MB during "${rss.peak().phase}"), ` +
        `RSS after start ${fmt(idleMb)} MB, at end ${fmt(endMb)} MB; ` +
        `${STORED.toLocaleString("en")} stored + ${ACTIVE} active conversations, ${expectedC + expectedB} messages relayed in ${fmt(runSeconds, 1)} s; ` +
        `pre-populate ${fmt(prepopulateMs / 1000)} s`,
    );
    console.log(`store: ${Object.entries(states).map(([s, n]) => `${s} ${n}`).join(", ")}; correctness: ${ok ? "OK" : "FAILED"}`);
    const result = {
      bench: "memory", runtime: runtimeName(), ok, stored: STORED, peakRssMb: peakMb, highestSampleMb: rss.peak().mb, highestSamplePhase: rss.peak().phase,
      idleRssMb: idleMb, endRssMb: endMb, prepopulateSeconds: prepopulateMs / 1000, storeMb: dbMb, runSeconds, childCpuSeconds,
      otherCpu: { run: disturbance.otherCpuSeconds }, steal: disturbance.stealSeconds,
    };
    console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
    return ok ? 0 : 1;
  } finally {
    guard.cancel();
    rss?.stop();
    tracker.close();
    await child.stop();
    await world.emulator.close();
    removeDir(world.dir);
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`bench/memory: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    process.exit(2);
  },
);
