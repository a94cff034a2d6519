/**
 * Micro-benchmark of the store's hot statements: what one relayed message costs in the store,
 * statement by statement, on a real SQLite file (WAL, as `run` opens it). Prints CPU and wall
 * microseconds per operation (the SQLite calls are synchronous, so they differ only when the
 * machine is busy or the disk is slow). Timings are reported, never asserted.
 *
 *   npx tsx bench/store.ts            ·   node_modules/deno/deno run -A bench/store.ts
 *
 * `ROUNDS=20000` changes the number of timed repetitions per operation (default 5,000).
 * `--postgres [URL]` runs the same statements on a fresh PostgreSQL database (this machine's
 * server unless a postgres:// URL is given; dropped at the end): CPU is then this process's
 * (driver and protocol), wall includes the server's round trips.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Update } from "@grammyjs/types";
import { createConversationMachine } from "../src/conversation/machine.ts";
import { step } from "../src/conversation/step.ts";
import { loadConversation, saveConversation } from "../src/store/conversations.ts";
import { acceptUpdates, markProcessed, pendingUpdates } from "../src/store/inbox.ts";
import { recordPairs, topicSideOf, userSideOf } from "../src/store/message-map.ts";
import { type Db, openStore } from "../src/store/open.ts";
import { enqueueIntents, laneHead, removeIntents } from "../src/store/outbox.ts";
import { adminUrl, createTestDatabase } from "../test/support/postgres.ts";

const postgresAt = (() => {
  const i = process.argv.indexOf("--postgres");
  if (i < 0) return undefined;
  const next = process.argv[i + 1];
  return next && /^postgres(ql)?:\/\//.test(next) ? next : adminUrl;
})();
const ROUNDS = Number(process.env.ROUNDS ?? 5_000);
const WARM_UP = 500;
const BOT = "bench";
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** A user's message update, as Telegram delivers it. */
const updateOf = (updateId: number, chatId: number): Update => ({
  update_id: updateId,
  message: {
    message_id: updateId, date: 1_700_000_000, text: `message ${updateId}`,
    from: { id: chatId, is_bot: false, first_name: "Bench", last_name: "User", language_code: "en" },
    chat: { id: chatId, type: "private", first_name: "Bench", last_name: "User" },
  },
} as Update);

/** A conversation row as the registry saves it after a topic was created (a realistic snapshot size). */
function conversationRow(chatId: number) {
  const machine = createConversationMachine({});
  const user = { id: chatId, firstName: "Bench", lastName: "User", languageCode: "en" };
  const message = updateOf(1, chatId).message!;
  const opened = step(machine, undefined, { chatId, user } as never, { type: "user.message", message, user } as never);
  const created = step(machine, opened.snapshot, { chatId, user } as never, { type: "topic.created", topicId: 1000 + chatId } as never);
  return { chatId, topicId: 1000 + chatId, state: created.state, snapshot: created.snapshot };
}

/** CPU and wall microseconds per call. */
interface Timing {
  cpu: number;
  wall: number;
}

/** Runs `op` WARM_UP + ROUNDS times; returns the cost of one timed call. */
async function time(op: (i: number) => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < WARM_UP; i++) await op(i);
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < ROUNDS; i++) await op(WARM_UP + i);
  const cpu = process.cpuUsage(cpu0);
  return { cpu: (cpu.user + cpu.system) / ROUNDS, wall: ((performance.now() - start) * 1000) / ROUNDS };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sb-store-bench-"));
  const database = postgresAt ? await createTestDatabase(postgresAt, "sb_bench_") : undefined;
  const db: Db = await openStore(database?.url ?? `sqlite:${join(dir, "bench.db")}`);
  const cpu0 = process.cpuUsage();
  const results: [string, Timing][] = [];
  const chat = 42;
  const row = conversationRow(chat);
  const intent = { type: "copyToTopic", messageId: 1 } as never;
  let updateId = 1;
  try {
    await saveConversation(db, BOT, row as never, Date.now());
    // Other bots' and chats' rows, so indexes are not trivially small.
    for (let c = 1; c <= 200; c++) await enqueueIntents(db, "other", c, [intent, intent], Date.now());

    let marked = 1;
    results.push(["acceptUpdates (1 update, tx)", await time(() => acceptUpdates(db, BOT, [updateOf(updateId++, chat)], Date.now()))]);
    // Under load polling returns batches, and a batch is one commit.
    results.push(["acceptUpdates (50 updates, tx)", await time(() => acceptUpdates(db, BOT, Array.from({ length: 50 }, () => updateOf(updateId++, chat)), Date.now()))]);
    results.push(["markProcessed (50 ids, tx)", await time(() => db.transaction().execute((tx) => markProcessed(tx, BOT, Array.from({ length: 50 }, () => marked++))))]);
    results.push(["markProcessed (1 id)", await time(() => markProcessed(db, BOT, [marked++]))]);
    // As in a running bot: the pending query finds the one update that just arrived.
    await acceptUpdates(db, BOT, [updateOf(updateId++, chat)], Date.now());
    results.push(["pendingUpdates (1 pending, limit 100)", await time(() => pendingUpdates(db, BOT, 100))]);
    results.push(["loadConversation", await time(() => loadConversation(db, BOT, chat))]);
    results.push(["saveConversation (upsert)", await time(() => saveConversation(db, BOT, row as never, Date.now()))]);
    results.push(["enqueueIntents (1 intent)", await time(() => enqueueIntents(db, BOT, chat, [intent], Date.now()))]);
    results.push(["laneHead (limit 1)", await time(() => laneHead(db, BOT, chat, 1))]);
    const ids = (await laneHead(db, BOT, chat, 1_000_000)).map((r) => r.id);
    results.push(["removeIntents (1 id)", await time((i) => removeIntents(db, [ids[i]!]))]);
    results.push(["recordPairs (1 pair)", await time((i) => recordPairs(db, BOT, chat, [{ userMessageId: i, topicMessageId: 100_000 + i }], Date.now()))]);
    results.push(["topicSideOf", await time((i) => topicSideOf(db, BOT, chat, i))]);
    results.push(["userSideOf", await time((i) => userSideOf(db, BOT, chat, 100_000 + i))]);
    // The step's commit as the pipeline runs it: one transaction per batch.
    results.push(["commit tx (save + enqueue + mark)", await time(() =>
      db.transaction().execute(async (tx) => {
        await saveConversation(tx, BOT, row as never, Date.now());
        await enqueueIntents(tx, BOT, chat, [intent], Date.now());
        await markProcessed(tx, BOT, [updateId++]);
      }))]);
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
    await database?.drop();
  }
  const cpu = process.cpuUsage(cpu0);
  const runtime = isDeno ? `deno ${(globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno}` : `node ${process.version}`;
  console.log(`store micro-benchmark · ${runtime} · ${database ? "PostgreSQL" : "SQLite"} · ${ROUNDS} rounds per operation`);
  console.log(`  ${"operation".padEnd(38)} ${"CPU µs".padStart(8)} ${"wall µs".padStart(8)}`);
  for (const [name, t] of results) console.log(`  ${name.padEnd(38)} ${t.cpu.toFixed(1).padStart(8)} ${t.wall.toFixed(1).padStart(8)}`);
  console.log(`  CPU of the whole run: ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`);
}

await main();
