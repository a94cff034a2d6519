/**
 * Relay benchmark: how fast and how promptly Switchboard mirrors users' messages into their
 * forum topics, measured end to end through the real CLI.
 *
 * The bench starts the Telegram emulator in-process (rate limits off), writes a temp config
 * (`limits: off`, temp SQLite store) and spawns `switchboard run` as a child process on the same
 * runtime (Node+tsx or Deno). It then measures:
 *
 * - throughput: 200 users × 10 messages (2,000), offered as fast as possible, interleaved across
 *   users; wall time from the first `userSends` until the 2,000th copy is stored in a topic.
 *   Every message must arrive exactly once, in order, in its user's own topic.
 * - latency: 100 fresh users, one message every 10 ms (100 msg/s) for 15 s, scheduled against a
 *   monotonic clock; latency = time from `userSends` returning to the emulator storing the copy
 *   (its synchronous `onChange` hook fires inside the copyMessage call).
 * - peak RSS of the child: VmHWM from /proc/<pid>/status at the end.
 *
 * Run: `npx tsx bench/relay.ts` or `npx deno run -A bench/relay.ts`. Exits 1 when a message is
 * missing, duplicated, out of order or in the wrong topic; timings are reported, never asserted.
 * Finishes by itself within 3 minutes (a watchdog kills the child and exits 3 otherwise).
 */
import {
  type BenchWorld,
  checkTopicCopies,
  CopyTracker,
  type Correctness,
  createBenchWorld,
  fmt,
  formatCorrectness,
  interference,
  isCorrect,
  now,
  procCpuSeconds,
  procStatusMb,
  quantile,
  readyLine,
  removeDir,
  runtimeName,
  selfCpuSeconds,
  sleep,
  spawnSwitchboard,
  type SwitchboardChild,
  watchdog,
} from "./support.ts";

const THROUGHPUT_USERS = 200;
const THROUGHPUT_MESSAGES_EACH = 10;
const LATENCY_USERS = 100;
const LATENCY_RATE_PER_SECOND = 100;
const LATENCY_SECONDS = 15;
/** How long a phase may take to drain before it counts as failed. */
const DRAIN_TIMEOUT_MS = 60_000;
/** Time after a phase to let late duplicates show up before checking. */
const SETTLE_MS = 300;

/** Messages sent per user, in send order (user id -> message ids). */
type Sent = Map<number, number[]>;

/** CPU used by other processes and stolen by the hypervisor during a phase. */
type Disturbance = ReturnType<ReturnType<typeof interference>>;

const formatDisturbance = (d: Disturbance) => `other processes ${fmt(d.otherCpuSeconds, 2)} CPU-s, steal ${fmt(d.stealSeconds, 2)} s`;

interface ThroughputResult {
  messages: number;
  offerMs: number;
  wallMs: number;
  perSecond: number;
  childCpuSeconds: number;
  benchCpuSeconds: number;
  disturbance: Disturbance;
  correctness: Correctness;
  storedAgree: boolean;
}

interface LatencyResult {
  messages: number;
  offeredPerSecond: number;
  maxScheduleLagMs: number;
  all: number[];
  /** Later messages only: the first message of each user also waits for createForumTopic. */
  steady: number[];
  disturbance: Disturbance;
  correctness: Correctness;
  storedAgree: boolean;
}

/**
 * Cross-checks the event stream against the emulator's stored state: the copies of `sent`
 * messages the group holds must equal the distinct copies the tracker saw (duplicates included).
 */
function storedCopiesAgree(world: BenchWorld, sent: Sent, correctness: Correctness): boolean {
  const stored = world.emulator.messages(world.groupId).filter((m) => m.copiedFrom && sent.has(m.copiedFrom.chatId)).length;
  const agree = stored === correctness.delivered + correctness.duplicates;
  if (!agree) console.log(`  MISMATCH: the group holds ${stored} copies, the event stream saw ${correctness.delivered + correctness.duplicates}`);
  return agree;
}

/** Creates `n` users named after the phase (topic titles are "🟪 First Last"). */
function createUsers(world: BenchWorld, phase: string, n: number): number[] {
  return Array.from({ length: n }, (_, i) => world.emulator.createUser({ firstName: phase, lastName: `User${i}`, languageCode: "en" }).id);
}

/** Counts distinct copies into the group of messages listed in `sent`. */
function distinctCounter(world: BenchWorld, tracker: CopyTracker, sent: Sent) {
  const seen = new Set<string>();
  let lastAt = 0;
  const off = tracker.onArrival((a) => {
    if (a.chatId !== world.groupId || !sent.has(a.fromChatId)) return;
    const key = `${a.fromChatId}:${a.fromMessageId}`;
    if (seen.has(key)) return;
    seen.add(key);
    lastAt = a.at;
  });
  return { count: () => seen.size, lastAt: () => lastAt, off };
}

/** A few messages first, so the child's JIT and connections are warm before timing starts. */
async function warmUp(world: BenchWorld, tracker: CopyTracker): Promise<void> {
  const sent: Sent = new Map();
  for (const userId of createUsers(world, "Warm", 5)) {
    sent.set(userId, [1, 2].map((i) => world.emulator.userSends(world.bot.token, userId, { text: `warm-up ${i}` }).message_id));
  }
  const counter = distinctCounter(world, tracker, sent);
  const ok = await tracker.until(() => counter.count() >= 10, DRAIN_TIMEOUT_MS);
  counter.off();
  if (!ok) throw new Error("warm-up messages were not relayed within 60 s");
}

async function measureThroughput(world: BenchWorld, tracker: CopyTracker, child: SwitchboardChild): Promise<ThroughputResult> {
  const users = createUsers(world, "Burst", THROUGHPUT_USERS);
  const sent: Sent = new Map(users.map((id) => [id, []]));
  const total = THROUGHPUT_USERS * THROUGHPUT_MESSAGES_EACH;
  const counter = distinctCounter(world, tracker, sent);
  const disturbed = interference(child.pid);
  const childCpu0 = procCpuSeconds(child.pid);
  const benchCpu0 = selfCpuSeconds();
  const start = now();
  for (let round = 0; round < THROUGHPUT_MESSAGES_EACH; round++) {
    for (const userId of users) {
      const m = world.emulator.userSends(world.bot.token, userId, { text: `burst message ${round + 1} of user ${userId}` });
      sent.get(userId)!.push(m.message_id);
    }
  }
  const offerMs = now() - start;
  const drained = await tracker.until(() => counter.count() >= total, DRAIN_TIMEOUT_MS);
  const end = drained ? counter.lastAt() : now();
  const childCpuSeconds = procCpuSeconds(child.pid) - childCpu0;
  const benchCpuSeconds = selfCpuSeconds() - benchCpu0;
  const disturbance = disturbed();
  counter.off();
  await sleep(SETTLE_MS);
  const wallMs = end - start;
  const correctness = checkTopicCopies(sent, tracker.arrivals, world.groupId);
  return {
    messages: total, offerMs, wallMs, perSecond: counter.count() / (wallMs / 1000), childCpuSeconds, benchCpuSeconds, disturbance,
    correctness, storedAgree: storedCopiesAgree(world, sent, correctness),
  };
}

async function measureLatency(world: BenchWorld, tracker: CopyTracker, child: SwitchboardChild): Promise<LatencyResult> {
  const users = createUsers(world, "Steady", LATENCY_USERS);
  const sent: Sent = new Map(users.map((id) => [id, []]));
  const total = LATENCY_RATE_PER_SECOND * LATENCY_SECONDS;
  const interval = 1000 / LATENCY_RATE_PER_SECOND;
  const sentAt = new Map<string, { at: number; first: boolean }>();
  const all: number[] = [];
  const steady: number[] = [];
  const off = tracker.onArrival((a) => {
    if (a.chatId !== world.groupId) return;
    const key = `${a.fromChatId}:${a.fromMessageId}`;
    const s = sentAt.get(key);
    if (!s) return;
    sentAt.delete(key); // a duplicate is not a second sample
    all.push(a.at - s.at);
    if (!s.first) steady.push(a.at - s.at);
  });

  const disturbed = interference(child.pid);
  let next = 0;
  let maxLag = 0;
  const start = now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      // Send everything that is due (catching up if a timer fired late), then sleep until the next.
      while (next < total && start + next * interval <= now()) {
        const due = start + next * interval;
        const userId = users[next % users.length];
        const list = sent.get(userId)!;
        const m = world.emulator.userSends(world.bot.token, userId, { text: `steady message ${list.length + 1} of user ${userId}` });
        const at = now();
        maxLag = Math.max(maxLag, at - due);
        sentAt.set(`${userId}:${m.message_id}`, { at, first: list.length === 0 });
        list.push(m.message_id);
        next++;
      }
      if (next >= total) return resolve();
      setTimeout(tick, Math.max(0, start + next * interval - now()));
    };
    tick();
  });
  const offeredPerSecond = total / ((now() - start) / 1000);
  await tracker.until(() => all.length >= total, DRAIN_TIMEOUT_MS);
  const disturbance = disturbed();
  off();
  await sleep(SETTLE_MS);
  const correctness = checkTopicCopies(sent, tracker.arrivals, world.groupId);
  return {
    messages: total, offeredPerSecond, maxScheduleLagMs: maxLag,
    all: all.sort((a, b) => a - b), steady: steady.sort((a, b) => a - b), disturbance,
    correctness, storedAgree: storedCopiesAgree(world, sent, correctness),
  };
}

const percentiles = (sorted: number[]) =>
  `p50 ${fmt(quantile(sorted, 0.5))} ms, p90 ${fmt(quantile(sorted, 0.9))} ms, p99 ${fmt(quantile(sorted, 0.99))} ms, max ${fmt(sorted[sorted.length - 1] ?? NaN)} ms`;

async function main(): Promise<number> {
  const world = await createBenchWorld("sb-bench-relay-");
  const tracker = new CopyTracker(world.emulator);
  const child = spawnSwitchboard(world.configPath, world.bot.token);
  const guard = watchdog(175_000, () => child.child.kill("SIGKILL"));
  try {
    const started = now();
    await child.waitForOutput(readyLine, 60_000);
    console.log(`switchboard (${runtimeName()}) is receiving updates after ${fmt(now() - started, 0)} ms; pid ${child.pid}`);
    await warmUp(world, tracker);

    const t = await measureThroughput(world, tracker, child);
    console.log(`throughput: ${t.messages} msgs offered in ${fmt(t.offerMs, 0)} ms, relayed in ${fmt(t.wallMs / 1000, 2)} s = ${fmt(t.perSecond, 0)} msg/s`);
    console.log(`  cpu during the run: switchboard ${fmt(t.childCpuSeconds, 2)} s, bench+emulator ${fmt(t.benchCpuSeconds, 2)} s; ${formatDisturbance(t.disturbance)}`);
    console.log(`  correctness: ${formatCorrectness(t.correctness)}`);

    const l = await measureLatency(world, tracker, child);
    console.log(`latency: ${l.messages} msgs at ${fmt(l.offeredPerSecond, 1)} msg/s offered (max schedule lag ${fmt(l.maxScheduleLagMs)} ms; ${formatDisturbance(l.disturbance)})`);
    console.log(`  all:    ${percentiles(l.all)}`);
    console.log(`  steady: ${percentiles(l.steady)} (without each user's first message, which waits for its topic)`);
    console.log(`  correctness: ${formatCorrectness(l.correctness)}`);

    const peakRss = procStatusMb(child.pid, "VmHWM");
    const warnings = child.output().split("\n").filter((line) => / (warn|error) /.test(line));
    if (warnings.length > 0) console.log(`switchboard logged ${warnings.length} warning/error line(s), first: ${warnings[0]}`);

    const ok = isCorrect(t.correctness) && isCorrect(l.correctness) && t.storedAgree && l.storedAgree;
    console.log("");
    console.log(`== relay results (${runtimeName()}) ==`);
    console.log(
      `relay throughput: ${fmt(t.perSecond, 0)} msg/s (${t.messages} msgs in ${fmt(t.wallMs / 1000, 2)} s), ` +
        `p50 ${fmt(quantile(l.all, 0.5))} ms, p99 ${fmt(quantile(l.all, 0.99))} ms at ${LATENCY_RATE_PER_SECOND} msg/s offered, ` +
        `peak RSS ${fmt(peakRss)} MB`,
    );
    console.log(`correctness: ${ok ? "OK" : "FAILED"} (throughput: missing ${t.correctness.missing}, duplicates ${t.correctness.duplicates}; latency: missing ${l.correctness.missing}, duplicates ${l.correctness.duplicates})`);
    return ok ? 0 : 1;
  } finally {
    guard.cancel();
    tracker.close();
    await child.stop();
    await world.emulator.close();
    removeDir(world.dir);
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`bench/relay: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    process.exit(2);
  },
);
