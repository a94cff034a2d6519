/**
 * Relay benchmark: how fast and how promptly Switchboard mirrors users' messages into their
 * forum topics, measured end to end through the real CLI.
 *
 * The bench starts the Telegram emulator in-process (rate limits off), writes a temp config
 * (`limits: off`, temp SQLite store) and spawns `switchboard run` as a child process on the same
 * runtime (Node via bin/switchboard.mjs, or Deno). It then measures:
 *
 * - throughput (user → topic): 200 users × 10 messages (2,000), offered as fast as possible,
 *   interleaved across users; wall time from the first `userSends` until the 2,000th copy is
 *   stored in a topic. Every message must arrive exactly once, in order, in its user's own topic.
 * - operator → user: an operator answers each of those 200 users 10 times in their topics
 *   (2,000), offered as fast as possible; every answer must arrive exactly once, in order, in
 *   that user's private chat.
 * - CPU time of the Switchboard child per 1,000 relayed messages in both bursts (and at 100 msg/s):
 *   utime + stime from /proc/<pid>/stat, read before the phase and after its last copy plus a
 *   short settle (so trailing bookkeeping counts), divided by the copies relayed.
 * - latency: 100 fresh users, one message every 10 ms (100 msg/s) for 15 s, scheduled against a
 *   monotonic clock; latency = time from `userSends` returning to the emulator storing the copy
 *   (its synchronous `onChange` hook fires inside the copyMessage call).
 * - peak RSS of the child: VmHWM from /proc/<pid>/status at the end.
 * - diagnostics per phase: Bot API calls by method, CPU of other processes (see support.ts), the
 *   phase's window on the monotonic clock (for bench/profile-summary.ts), and with
 *   `BENCH_SQL_COUNTS=DIR` plus the bench/count-sql.mjs preload, SQL statements per 1,000 messages.
 *
 * `--reference` runs bench/grammy-relay.ts (a plain, non-durable grammY relay) as the child instead
 * of Switchboard: the same workload and checks, for comparing CPU per 1,000 messages.
 *
 * `--postgres [URL]` runs Switchboard on a fresh PostgreSQL database (on this machine's server
 * unless a postgres:// URL of another is given; dropped at the end) instead of a SQLite file.
 *
 * Run: `npx tsx bench/relay.ts` or `node_modules/deno/deno run -A bench/relay.ts`. Exits 1 when a
 * message is missing, duplicated, out of order or in the wrong chat or topic; timings are reported,
 * never asserted. The last line is `BENCH_RESULT {json}` for bench/repeat.ts. Finishes by itself
 * within 3 minutes (a watchdog kills the child and exits 3 otherwise).
 */
import {
  type BenchWorld,
  type Arrival,
  checkTopicCopies,
  checkUserCopies,
  CopyTracker,
  type Correctness,
  createBenchWorld,
  fmt,
  formatCorrectness,
  interference,
  isCorrect,
  monotonicMicros,
  now,
  postgresCpuSeconds,
  procCpuSeconds,
  procStatusMb,
  quantile,
  readyLine,
  removeDir,
  runtimeName,
  selfCpuSeconds,
  sleep,
  spawnReference,
  spawnSwitchboard,
  type SwitchboardChild,
  watchdog,
} from "./support.ts";
import { formatSqlCounts, sqlCounter } from "./sql-counts.ts";
import { adminUrl, createTestDatabase } from "../test/support/postgres.ts";

const THROUGHPUT_USERS = 200;
const THROUGHPUT_MESSAGES_EACH = 10;
/** Answers per burst user in the operator → user phase (200 × 10 = 2,000). */
const REPLIES_EACH = 10;
/** Quiet time after warm-up in which the child's idle CPU rate is sampled. */
const IDLE_SAMPLE_MS = 2_000;
const LATENCY_USERS = 100;
const LATENCY_RATE_PER_SECOND = 100;
const LATENCY_SECONDS = 15;
/** How long a phase may take to drain before it counts as failed. */
const DRAIN_TIMEOUT_MS = 60_000;
/** Time after a phase to let late duplicates show up before checking. */
const SETTLE_MS = 300;

/** `--reference`: run bench/grammy-relay.ts (a plain grammY relay) as the child instead. */
const reference = process.argv.includes("--reference");
/**
 * `--postgres [URL]`: Switchboard's store is a fresh database on that PostgreSQL server (default
 * this machine's, as the tests use it), dropped at the end; without it, a SQLite file.
 */
const postgresAt = (() => {
  const i = process.argv.indexOf("--postgres");
  if (i < 0) return undefined;
  const next = process.argv[i + 1];
  return next && /^postgres(ql)?:\/\//.test(next) ? next : adminUrl;
})();
/** The child in output lines. */
const childName = reference ? "grammY reference" : "switchboard";

/** Messages sent per user, in send order (user id -> message ids). */
type Sent = Map<number, number[]>;

/** CPU used by other processes and stolen by the hypervisor during a phase. */
type Disturbance = ReturnType<ReturnType<typeof interference>>;

const formatDisturbance = (d: Disturbance) => `other processes ${fmt(d.otherCpuSeconds, 2)} CPU-s, steal ${fmt(d.stealSeconds, 2)} s`;

/** One burst: messages offered as fast as possible, relayed, timed and checked. */
interface BurstResult {
  messages: number;
  offerMs: number;
  wallMs: number;
  perSecond: number;
  /** Child CPU from the first offer until the last copy plus the settle time. */
  childCpuSeconds: number;
  /** `childCpuSeconds` per 1,000 relayed copies. */
  cpuPer1000: number;
  /** CPU of the PostgreSQL server for Switchboard's database in the same window (0 on SQLite), and per 1,000 copies. */
  serverCpuSeconds: number;
  serverCpuPer1000: number;
  benchCpuSeconds: number;
  /** Bot API calls the child made during the phase, by method. */
  calls: Record<string, number>;
  /** The phase on the monotonic clock in µs (as in a V8 .cpuprofile), for bench/profile-summary.ts. */
  window: [number, number];
  /** SQL statements per 1,000 messages, when BENCH_SQL_COUNTS is set (see bench/sql-counts.ts). */
  sql: string[];
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
  childCpuSeconds: number;
  cpuPer1000: number;
  serverCpuSeconds: number;
  serverCpuPer1000: number;
  window: [number, number];
  calls: Record<string, number>;
  sql: string[];
  disturbance: Disturbance;
  correctness: Correctness;
  storedAgree: boolean;
}

/**
 * Cross-checks the event stream against the emulator's stored state: the copies the emulator holds
 * (`stored`) must equal the distinct copies the tracker saw, duplicates included.
 */
function storedCopiesAgree(stored: number, correctness: Correctness): boolean {
  const agree = stored === correctness.delivered + correctness.duplicates;
  if (!agree) console.log(`  MISMATCH: the emulator holds ${stored} copies, the event stream saw ${correctness.delivered + correctness.duplicates}`);
  return agree;
}

/** Copies in the group of messages from the users in `sent`. */
const storedTopicCopies = (world: BenchWorld, sent: Sent): number =>
  world.emulator.messages(world.groupId).filter((m) => m.copiedFrom && sent.has(m.copiedFrom.chatId)).length;

/** Copies of group messages in the private chats of the users in `sent`. */
const storedUserCopies = (world: BenchWorld, sent: Sent): number =>
  [...sent.keys()].reduce((n, userId) => n + world.emulator.messages(userId).filter((m) => m.copiedFrom?.chatId === world.groupId).length, 0);

/** Bot API calls made since `before` (a copy of the emulator's counters), by method. */
function callsSince(world: BenchWorld, before: Record<string, number>): Record<string, number> {
  const diff: Record<string, number> = {};
  for (const [method, n] of Object.entries(world.emulator.stats().calls)) if (n - (before[method] ?? 0) > 0) diff[method] = n - (before[method] ?? 0);
  return diff;
}

/** Creates `n` users named after the phase (topic titles are "🟪 First Last"). */
function createUsers(world: BenchWorld, phase: string, n: number): number[] {
  return Array.from({ length: n }, (_, i) => world.emulator.createUser({ firstName: phase, lastName: `User${i}`, languageCode: "en" }).id);
}

/** Counts distinct copies (by original) among the arrivals that `matches`. */
function distinctCounter(tracker: CopyTracker, matches: (a: Arrival) => boolean) {
  const seen = new Set<string>();
  let lastAt = 0;
  const off = tracker.onArrival((a) => {
    if (!matches(a)) return;
    const key = `${a.fromChatId}:${a.fromMessageId}`;
    if (seen.has(key)) return;
    seen.add(key);
    lastAt = a.at;
  });
  return { count: () => seen.size, lastAt: () => lastAt, off };
}

/** Copies into the group of messages from the users in `sent`. */
const intoTopics = (world: BenchWorld, sent: Sent) => (a: Arrival) => a.chatId === world.groupId && sent.has(a.fromChatId);

/** Copies of group messages into the private chats of the users in `sent`. */
const toUsers = (world: BenchWorld, sent: Sent) => (a: Arrival) => a.fromChatId === world.groupId && sent.has(a.chatId);

/** A few messages first, so the child's JIT and connections are warm before timing starts. */
async function warmUp(world: BenchWorld, tracker: CopyTracker): Promise<void> {
  const sent: Sent = new Map();
  for (const userId of createUsers(world, "Warm", 5)) {
    sent.set(userId, [1, 2].map((i) => world.emulator.userSends(world.bot.token, userId, { text: `warm-up ${i}` }).message_id));
  }
  const counter = distinctCounter(tracker, intoTopics(world, sent));
  const ok = await tracker.until(() => counter.count() >= 10, DRAIN_TIMEOUT_MS);
  counter.off();
  if (!ok) throw new Error("warm-up messages were not relayed within 60 s");
}

/** The child's CPU seconds per second while nothing is sent (long polling, timers). */
async function measureIdle(child: SwitchboardChild): Promise<number> {
  const cpu0 = procCpuSeconds(child.pid);
  await sleep(IDLE_SAMPLE_MS);
  return (procCpuSeconds(child.pid) - cpu0) / (IDLE_SAMPLE_MS / 1000);
}

/**
 * Offers `total` messages through `offer` as fast as possible and waits until `matches` has seen
 * `total` distinct copies; times the phase and reads the child's CPU before and after (after the
 * last copy plus the settle time, so that bookkeeping after the send counts too).
 */
async function burst(
  world: BenchWorld,
  tracker: CopyTracker,
  child: SwitchboardChild,
  total: number,
  matches: (a: Arrival) => boolean,
  offer: () => void,
): Promise<Omit<BurstResult, "correctness" | "storedAgree">> {
  const counter = distinctCounter(tracker, matches);
  const sql = sqlCounter(child);
  const sql0 = await sql?.snapshot();
  const calls0 = { ...world.emulator.stats().calls };
  const disturbed = interference(child.pid, serverCpu);
  const childCpu0 = procCpuSeconds(child.pid);
  const serverCpu0 = serverCpu();
  const benchCpu0 = selfCpuSeconds();
  const windowStart = monotonicMicros();
  const start = now();
  offer();
  const offerMs = now() - start;
  const drained = await tracker.until(() => counter.count() >= total, DRAIN_TIMEOUT_MS);
  const end = drained ? counter.lastAt() : now();
  await sleep(SETTLE_MS);
  const window: [number, number] = [windowStart, monotonicMicros()];
  const childCpuSeconds = procCpuSeconds(child.pid) - childCpu0;
  const serverCpuSeconds = serverCpu() - serverCpu0;
  const benchCpuSeconds = selfCpuSeconds() - benchCpu0;
  const disturbance = disturbed();
  counter.off();
  const sqlLines = sql && sql0 ? formatSqlCounts(sql0, await sql.snapshot(), counter.count()) : [];
  const wallMs = end - start;
  return {
    messages: total, offerMs, wallMs, perSecond: counter.count() / (wallMs / 1000), childCpuSeconds,
    cpuPer1000: (childCpuSeconds / counter.count()) * 1000, serverCpuSeconds, serverCpuPer1000: (serverCpuSeconds / counter.count()) * 1000, benchCpuSeconds, calls: callsSince(world, calls0), window, sql: sqlLines, disturbance,
  };
}

/** User → topic: 200 new users write 10 messages each, interleaved round by round. */
async function measureThroughput(world: BenchWorld, tracker: CopyTracker, child: SwitchboardChild): Promise<BurstResult & { sent: Sent }> {
  const users = createUsers(world, "Burst", THROUGHPUT_USERS);
  const sent: Sent = new Map(users.map((id) => [id, []]));
  const result = await burst(world, tracker, child, THROUGHPUT_USERS * THROUGHPUT_MESSAGES_EACH, intoTopics(world, sent), () => {
    for (let round = 0; round < THROUGHPUT_MESSAGES_EACH; round++) {
      for (const userId of users) {
        const m = world.emulator.userSends(world.bot.token, userId, { text: `burst message ${round + 1} of user ${userId}` });
        sent.get(userId)!.push(m.message_id);
      }
    }
  });
  const correctness = checkTopicCopies(sent, tracker.arrivals, world.groupId);
  return { ...result, correctness, storedAgree: storedCopiesAgree(storedTopicCopies(world, sent), correctness), sent };
}

/**
 * Operator → user: the operator answers every user of `users` (user id -> topic id) `REPLIES_EACH`
 * times in their topic, interleaved round by round; each answer must reach that user's chat.
 */
async function measureReplies(world: BenchWorld, tracker: CopyTracker, child: SwitchboardChild, topicOf: ReadonlyMap<number, number>): Promise<BurstResult> {
  const sent: Sent = new Map([...topicOf.keys()].map((id) => [id, []]));
  const result = await burst(world, tracker, child, topicOf.size * REPLIES_EACH, toUsers(world, sent), () => {
    for (let round = 0; round < REPLIES_EACH; round++) {
      for (const [userId, threadId] of topicOf) {
        const m = world.emulator.operatorPosts(world.groupId, world.operator.id, { text: `answer ${round + 1} for user ${userId}`, threadId });
        sent.get(userId)!.push(m.message_id);
      }
    }
  });
  const correctness = checkUserCopies(sent, tracker.arrivals, world.groupId);
  return { ...result, correctness, storedAgree: storedCopiesAgree(storedUserCopies(world, sent), correctness) };
}

/** Each user's topic, from the copies of their messages (users without a copy are left out). */
function topicsOf(world: BenchWorld, tracker: CopyTracker, sent: Sent): Map<number, number> {
  const topics = new Map<number, number>();
  for (const a of tracker.arrivals) if (intoTopics(world, sent)(a) && a.threadId !== undefined) topics.set(a.fromChatId, a.threadId);
  return topics;
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

  const sql = sqlCounter(child);
  const sql0 = await sql?.snapshot();
  const disturbed = interference(child.pid, serverCpu);
  const childCpu0 = procCpuSeconds(child.pid);
  const serverCpu0 = serverCpu();
  const calls0 = { ...world.emulator.stats().calls };
  const windowStart = monotonicMicros();
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
  await sleep(SETTLE_MS);
  const window: [number, number] = [windowStart, monotonicMicros()];
  const childCpuSeconds = procCpuSeconds(child.pid) - childCpu0;
  const serverCpuSeconds = serverCpu() - serverCpu0;
  const disturbance = disturbed();
  off();
  const sqlLines = sql && sql0 ? formatSqlCounts(sql0, await sql.snapshot(), all.length) : [];
  const correctness = checkTopicCopies(sent, tracker.arrivals, world.groupId);
  return {
    messages: total, offeredPerSecond, maxScheduleLagMs: maxLag,
    all: all.sort((a, b) => a - b), steady: steady.sort((a, b) => a - b),
    childCpuSeconds, cpuPer1000: (childCpuSeconds / all.length) * 1000, serverCpuSeconds, serverCpuPer1000: (serverCpuSeconds / all.length) * 1000, window, calls: callsSince(world, calls0), sql: sqlLines, disturbance,
    correctness, storedAgree: storedCopiesAgree(storedTopicCopies(world, sent), correctness),
  };
}

const percentiles = (sorted: number[]) =>
  `p50 ${fmt(quantile(sorted, 0.5))} ms, p90 ${fmt(quantile(sorted, 0.9))} ms, p99 ${fmt(quantile(sorted, 0.99))} ms, max ${fmt(sorted[sorted.length - 1] ?? NaN)} ms`;

/** The database server's share of a phase's CPU (PostgreSQL only). */
const serverLine = (p: { serverCpuSeconds: number; serverCpuPer1000: number }) =>
  database ? ` PostgreSQL server ${fmt(p.serverCpuSeconds, 2)} s = ${fmt(p.serverCpuPer1000, 3)} CPU-s per 1,000 messages;` : "";

/** The lines for one burst phase. */
function printBurst(name: string, b: BurstResult): void {
  console.log(`${name}: ${b.messages} msgs offered in ${fmt(b.offerMs, 0)} ms, relayed in ${fmt(b.wallMs / 1000, 2)} s = ${fmt(b.perSecond, 0)} msg/s`);
  console.log(`  cpu: ${childName} ${fmt(b.childCpuSeconds, 2)} s = ${fmt(b.cpuPer1000, 3)} CPU-s per 1,000 messages;${serverLine(b)} bench+emulator ${fmt(b.benchCpuSeconds, 2)} s; ${formatDisturbance(b.disturbance)}`);
  console.log(`  Bot API calls: ${Object.entries(b.calls).map(([m, n]) => `${m} ${n}`).join(", ")}`);
  for (const line of b.sql) console.log(`  ${line}`);
  console.log(`  correctness: ${formatCorrectness(b.correctness)}`);
}

/** The bench's PostgreSQL database (with `--postgres`), created before main runs. */
const database = postgresAt ? await createTestDatabase(postgresAt, "sb_bench_") : undefined;
/** CPU seconds so far of the database server's work for Switchboard (0 on SQLite: the store is inside the child). */
const serverCpu = (): number => (database ? postgresCpuSeconds(database.name) : 0);

async function main(): Promise<number> {
  const world = await createBenchWorld("sb-bench-relay-", database ? { storage: database.url } : {});
  const storageName = database ? "PostgreSQL" : "SQLite";
  const tracker = new CopyTracker(world.emulator);
  const child = reference ? spawnReference(world) : spawnSwitchboard(world.configPath, world.bot.token);
  const guard = watchdog(175_000, () => child.child.kill("SIGKILL"));
  try {
    const started = now();
    await child.waitForOutput(readyLine, 60_000);
    console.log(`${reference ? "grammY reference relay" : `switchboard on ${storageName}`} (${runtimeName()}) is receiving updates after ${fmt(now() - started, 0)} ms; pid ${child.pid}`);
    await warmUp(world, tracker);
    const idleCpuPerSecond = await measureIdle(child);
    console.log(`idle: ${childName} uses ${fmt(idleCpuPerSecond, 3)} CPU-s per second while nothing is sent`);

    const t = await measureThroughput(world, tracker, child);
    printBurst("user → topic", t);
    const r = await measureReplies(world, tracker, child, topicsOf(world, tracker, t.sent));
    printBurst("operator → user", r);

    const l = await measureLatency(world, tracker, child);
    console.log(`latency: ${l.messages} msgs at ${fmt(l.offeredPerSecond, 1)} msg/s offered (max schedule lag ${fmt(l.maxScheduleLagMs)} ms; ${formatDisturbance(l.disturbance)})`);
    console.log(`  all:    ${percentiles(l.all)}`);
    console.log(`  steady: ${percentiles(l.steady)} (without each user's first message, which waits for its topic)`);
    console.log(`  cpu: ${childName} ${fmt(l.childCpuSeconds, 2)} s = ${fmt(l.cpuPer1000, 3)} CPU-s per 1,000 messages at ${LATENCY_RATE_PER_SECOND} msg/s;${serverLine(l)}`);
    console.log(`  Bot API calls: ${Object.entries(l.calls).map(([m, n]) => `${m} ${n}`).join(", ")}`);
    for (const line of l.sql) console.log(`  ${line}`);
    console.log(`  correctness: ${formatCorrectness(l.correctness)}`);

    const peakRss = procStatusMb(child.pid, "VmHWM");
    const warnings = child.output().split("\n").filter((line) => / (warn|error) /.test(line));
    if (warnings.length > 0) console.log(`${childName} logged ${warnings.length} warning/error line(s), first: ${warnings[0]}`);

    const ok = [t, r, l].every((p) => isCorrect(p.correctness) && p.storedAgree);
    console.log("");
    console.log(`== relay results (${runtimeName()}${reference ? ", grammY reference relay" : `, ${storageName}`}) ==`);
    if (database) console.log(`PostgreSQL server CPU per 1,000 relayed messages: user → topic ${fmt(t.serverCpuPer1000, 3)} s, operator → user ${fmt(r.serverCpuPer1000, 3)} s, at 100 msg/s ${fmt(l.serverCpuPer1000, 3)} s`);
    console.log(
      `CPU per 1,000 relayed messages: user → topic ${fmt(t.cpuPer1000, 3)} s, operator → user ${fmt(r.cpuPer1000, 3)} s ` +
        `(other processes ${fmt(t.disturbance.otherCpuSeconds, 2)} / ${fmt(r.disturbance.otherCpuSeconds, 2)} CPU-s during the bursts)`,
    );
    console.log(
      `relay throughput: ${fmt(t.perSecond, 0)} msg/s user → topic (${t.messages} msgs in ${fmt(t.wallMs / 1000, 2)} s), ` +
        `${fmt(r.perSecond, 0)} msg/s operator → user; ` +
        `p50 ${fmt(quantile(l.all, 0.5))} ms, p99 ${fmt(quantile(l.all, 0.99))} ms at ${LATENCY_RATE_PER_SECOND} msg/s offered, ` +
        `peak RSS ${fmt(peakRss)} MB`,
    );
    console.log(
      `correctness: ${ok ? "OK" : "FAILED"} (user → topic: missing ${t.correctness.missing}, duplicates ${t.correctness.duplicates}; ` +
        `operator → user: missing ${r.correctness.missing}, duplicates ${r.correctness.duplicates}; ` +
        `latency: missing ${l.correctness.missing}, duplicates ${l.correctness.duplicates})`,
    );
    const result = {
      bench: "relay", runtime: runtimeName(), child: reference ? "grammy-reference" : "switchboard", storage: database ? "postgres" : "sqlite", ok,
      cpuPer1000UserToTopic: t.cpuPer1000, cpuPer1000OperatorToUser: r.cpuPer1000, cpuPer1000At100: l.cpuPer1000,
      ...(database ? { serverCpuPer1000UserToTopic: t.serverCpuPer1000, serverCpuPer1000OperatorToUser: r.serverCpuPer1000, serverCpuPer1000At100: l.serverCpuPer1000 } : {}),
      throughput: t.perSecond, throughputOperatorToUser: r.perSecond,
      p50: quantile(l.all, 0.5), p99: quantile(l.all, 0.99), p99Steady: quantile(l.steady, 0.99), peakRssMb: peakRss,
      idleCpuPerSecond,
      windows: { userToTopic: t.window, operatorToUser: r.window, latency: l.window },
      otherCpu: { userToTopic: t.disturbance.otherCpuSeconds, operatorToUser: r.disturbance.otherCpuSeconds, latency: l.disturbance.otherCpuSeconds },
      steal: t.disturbance.stealSeconds + r.disturbance.stealSeconds + l.disturbance.stealSeconds,
    };
    console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
    return ok ? 0 : 1;
  } finally {
    guard.cancel();
    tracker.close();
    await child.stop();
    await world.emulator.close();
    removeDir(world.dir);
    await database?.drop();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`bench/relay: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    process.exit(2);
  },
);
