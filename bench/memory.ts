/**
 * Memory benchmark: peak RSS of Switchboard on a store with many stored conversations while a
 * smaller set of users is active. Memory should follow the active conversations, not the stored.
 *
 * 1. Pre-populates a SQLite store (via `openStore`) with 100,000 conversations, inserted in big
 *    transactions. Each row is what production writes: the snapshot comes from the real machine
 *    (`createConversationMachine` + `step`) after a `user.message` and a `topic.created`, with
 *    the first-contact time and (empty) plugin data the registry keeps beside the machine's
 *    context. Their topic ids are fake numbers the emulator does not know, so those users stay
 *    inactive.
 * 2. Starts the emulator in-process (rate limits off) and Switchboard as a child process through
 *    the real CLI (`limits: off`) on that store, on the bench's own runtime.
 * 3. Drives 1,000 new users: 5 messages each (5,000 copies into topics), then an operator answers
 *    300 of them twice (600 copies to users), then those 300 write once more (300 copies).
 * 4. Prints the time to pre-populate and the child's RSS: after start-up, and its peak (VmHWM
 *    from /proc/<pid>/status). Target: peak RSS ≤ 250 MB.
 *
 * Run: `npx tsx bench/memory.ts` or `npx deno run -A bench/memory.ts`. Exits 1 when a message is
 * missing or duplicated; memory is reported, never asserted. Finishes within 4 minutes.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import type { Message } from "@grammyjs/types";
import { createConversationMachine, type ConversationMachine } from "../src/conversation/machine.ts";
import { step } from "../src/conversation/step.ts";
import { profileOf } from "../src/pipeline/router.ts";
import { countConversations } from "../src/store/conversations.ts";
import { type Db, openStore } from "../src/store/open.ts";
import type { ConversationsTable } from "../src/store/schema.ts";
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
  procStatusMb,
  readyLine,
  removeDir,
  runtimeName,
  sleep,
  spawnSwitchboard,
  tempDir,
  watchdog,
  yieldToLoop,
} from "./support.ts";

const BOT_ID = "acme";
const STORED = 100_000;
const ROWS_PER_TRANSACTION = 10_000;
/** 8 columns × 500 rows stays far below SQLite's limit on bound parameters. */
const ROWS_PER_INSERT = 500;
/** Chat and topic ids of stored conversations: far from the emulator's user ids and message ids. */
const STORED_CHAT_BASE = 2_000_000_000;
const STORED_TOPIC_BASE = 50_000_000;
const ACTIVE = 1_000;
const MESSAGES_EACH = 5;
const ANSWERED = 300;
const REPLIES_EACH = 2;
const DRAIN_TIMEOUT_MS = 90_000;
const RSS_SAMPLE_MS = 100;

/** A stored user's first message, as Telegram would have delivered it. */
function firstMessage(chatId: number, i: number, date: number): Message {
  const from = { id: chatId, is_bot: false, first_name: "Stored", last_name: `User${i}`, language_code: "en" };
  return { message_id: 1, from, chat: { id: chatId, type: "private", first_name: from.first_name, last_name: from.last_name }, date, text: `Hello, I have a question about order #${100_000 + i}` } as Message;
}

/** One conversations row after the user's first message and the topic's creation. */
function storedConversation(machine: ConversationMachine, i: number, nowMs: number): ConversationsTable {
  const chatId = STORED_CHAT_BASE + i;
  const createdAt = nowMs - 30 * 86_400_000 + Math.floor((i / STORED) * 29 * 86_400_000);
  const message = firstMessage(chatId, i, Math.floor(createdAt / 1000));
  const user = profileOf(message.from!);
  const input = { chatId, user };
  const opened = step(machine, undefined, input, { type: "user.message", message, user });
  const created = step(machine, opened.snapshot, input, { type: "topic.created", topicId: STORED_TOPIC_BASE + i });
  // As the registry stores it: the machine's context plus first contact and plugins' data.
  const snapshot = { ...created.snapshot, context: { ...created.snapshot.context, firstContactAt: createdAt, data: {} } };
  return {
    bot_id: BOT_ID, chat_id: chatId, topic_id: snapshot.context.topicId, state: created.state,
    snapshot: JSON.stringify(snapshot), user: JSON.stringify(snapshot.context.user),
    created_at: createdAt, updated_at: createdAt + 60_000,
  };
}

/** Fills the store with `STORED` conversations; returns the milliseconds it took. */
async function prepopulate(dbPath: string): Promise<number> {
  const start = now();
  const db: Db = await openStore(`sqlite:${dbPath}`);
  try {
    const machine = createConversationMachine({});
    const nowMs = Date.now();
    for (let first = 0; first < STORED; first += ROWS_PER_TRANSACTION) {
      const rows = Array.from({ length: Math.min(ROWS_PER_TRANSACTION, STORED - first) }, (_, k) => storedConversation(machine, first + k, nowMs));
      await db.transaction().execute(async (tx) => {
        for (let k = 0; k < rows.length; k += ROWS_PER_INSERT) await tx.insertInto("conversations").values(rows.slice(k, k + ROWS_PER_INSERT)).execute();
      });
    }
  } finally {
    await db.destroy();
  }
  return now() - start;
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
  const dir = tempDir("sb-bench-memory-");
  const dbPath = join(dir, "switchboard.db");
  const prepopulateMs = await prepopulate(dbPath);
  const dbMb = statSync(dbPath).size / 1048576;
  console.log(`pre-populated ${STORED.toLocaleString("en")} conversations in ${fmt(prepopulateMs / 1000, 1)} s (store ${fmt(dbMb)} MB)`);

  const world = await createBenchWorld("sb-bench-memory-", { dir, dbPath });
  const tracker = new CopyTracker(world.emulator);
  const child = spawnSwitchboard(world.configPath, world.bot.token);
  const guard = watchdog(235_000, () => child.child.kill("SIGKILL"));
  const rss = rssSampler(child.pid);
  try {
    const started = now();
    await child.waitForOutput(readyLine, 60_000);
    await sleep(500);
    const idleMb = procStatusMb(child.pid, "VmRSS");
    console.log(`switchboard (${runtimeName()}) is receiving updates after ${fmt(now() - started, 0)} ms; RSS ${fmt(idleMb)} MB`);

    const users = Array.from({ length: ACTIVE }, (_, i) => world.emulator.createUser({ firstName: "Active", lastName: `User${i}`, languageCode: "en" }).id);
    const sent = new Map<number, number[]>(users.map((id) => [id, []]));
    const runStart = now();
    const disturbed = interference(child.pid);

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
    const disturbance = disturbed();
    console.log(`users answer back: ${topicCopies(world, tracker.arrivals, sent) - expectedA}/${answered.length} copies in topics after ${fmt(runSeconds, 2)} s`);

    await sleep(300);
    const peakMb = procStatusMb(child.pid, "VmHWM");
    const endMb = procStatusMb(child.pid, "VmRSS");
    const correctness = checkTopicCopies(sent, tracker.arrivals, world.groupId);
    const repliesOk = okB && userCopies(world, tracker.arrivals) === expectedB;
    console.log(`correctness: topics ${formatCorrectness(correctness)}; operator replies ${userCopies(world, tracker.arrivals)}/${expectedB}`);
    console.log(`during the run: other processes ${fmt(disturbance.otherCpuSeconds, 2)} CPU-s, steal ${fmt(disturbance.stealSeconds, 2)} s`);
    rss.stop();
    await child.stop();

    const db = await openStore(`sqlite:${dbPath}`);
    const states = await countConversations(db, BOT_ID);
    await db.destroy();
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
    return ok ? 0 : 1;
  } finally {
    guard.cancel();
    rss.stop();
    tracker.close();
    await child.stop();
    await world.emulator.close();
    removeDir(dir);
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`bench/memory: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    process.exit(2);
  },
);
