/**
 * Fills a Switchboard store with many stored (inactive) conversations, fast enough for a million.
 *
 * Rows are what production writes: the snapshot of a conversation after the user's first message
 * and the topic's creation, with the first-contact time and (empty) plugin data the registry keeps
 * beside the machine's context. Running the real machine (`createConversationMachine` + two `step`s)
 * costs ~0.2 ms per row — 3 minutes for a million — so it runs for one row and every other row is
 * that snapshot with its own ids, names and times; every 10,000th row (and the last) is checked
 * against the real machine, and the fill stops with an error if one differs.
 *
 * The rows go straight through `libsql` with one prepared 500-row `INSERT` (no query building per
 * row) in transactions of 100,000 rows, with `synchronous = off` during the fill: the bench owns
 * the file and nothing else has it open. The schema must exist already (the bench lets Switchboard
 * create it on a first start), so the fill depends on no store API.
 */
import type { Message } from "@grammyjs/types";
import Database from "libsql";
import { createConversationMachine, type ConversationMachine } from "../src/conversation/machine.ts";
import { step } from "../src/conversation/step.ts";
import { profileOf } from "../src/pipeline/router.ts";

/** Chat and topic ids of stored conversations: far from the emulator's user ids and message ids. */
const STORED_CHAT_BASE = 2_000_000_000;
const STORED_TOPIC_BASE = 50_000_000;
const COLUMNS = ["bot_id", "chat_id", "topic_id", "state", "snapshot", "user", "created_at", "updated_at"] as const;
/** 8 columns × 500 rows = 4,000 bound parameters, far below SQLite's limit of 32,766. */
const ROWS_PER_INSERT = 500;
const ROWS_PER_TRANSACTION = 100_000;
/** Every this many rows one is built by the real machine as well and must match. */
const CHECK_EVERY = 10_000;
const DAY_MS = 86_400_000;

/** One conversations row, in `COLUMNS` order. */
type Row = [string, number, number, string, string, string, number, number];

/** A stored user's first message, as Telegram would have delivered it. */
function firstMessage(chatId: number, i: number, date: number): Message {
  const from = { id: chatId, is_bot: false, first_name: "Stored", last_name: `User${i}`, language_code: "en" };
  return { message_id: 1, from, chat: { id: chatId, type: "private", first_name: from.first_name, last_name: from.last_name }, date, text: `Hello, I have a question about order #${100_000 + i}` } as Message;
}

/** The i-th of `total` stored conversations: first contact spread over the last 30 days. */
function identity(i: number, total: number, nowMs: number) {
  const chatId = STORED_CHAT_BASE + i;
  const createdAt = nowMs - 30 * DAY_MS + Math.floor((i / total) * 29 * DAY_MS);
  return { chatId, topicId: STORED_TOPIC_BASE + i, createdAt };
}

/** Row `i` built by the real machine, as the registry would store it. */
function machineRow(machine: ConversationMachine, botId: string, i: number, total: number, nowMs: number): Row {
  const { chatId, topicId, createdAt } = identity(i, total, nowMs);
  const message = firstMessage(chatId, i, Math.floor(createdAt / 1000));
  const user = profileOf(message.from!);
  const input = { chatId, user };
  const opened = step(machine, undefined, input, { type: "user.message", message, user });
  const created = step(machine, opened.snapshot, input, { type: "topic.created", topicId });
  const snapshot = { ...created.snapshot, context: { ...created.snapshot.context, firstContactAt: createdAt, data: {} } };
  return [botId, chatId, snapshot.context.topicId!, created.state, JSON.stringify(snapshot), JSON.stringify(snapshot.context.user), createdAt, createdAt + 60_000];
}

/** Builds rows from one machine-made template; `check` compares a row with the machine's. */
function rowFactory(botId: string, total: number, nowMs: number) {
  const machine = createConversationMachine({});
  const first = machineRow(machine, botId, 0, total, nowMs);
  const state = first[3];
  const template = JSON.parse(first[4]) as { value: unknown; context: Record<string, unknown> & { user: Record<string, unknown> } };
  const row = (i: number): Row => {
    const { chatId, topicId, createdAt } = identity(i, total, nowMs);
    const user = { ...template.context.user, id: chatId, lastName: `User${i}` };
    const snapshot = { ...template, context: { ...template.context, chatId, user, topicId, firstContactAt: createdAt } };
    return [botId, chatId, topicId, state, JSON.stringify(snapshot), JSON.stringify(user), createdAt, createdAt + 60_000];
  };
  const check = (i: number): void => {
    const expected = JSON.stringify(machineRow(machine, botId, i, total, nowMs));
    const actual = JSON.stringify(row(i));
    if (actual !== expected) throw new Error(`pre-populate: row ${i} differs from the machine's:\n  built   ${actual}\n  machine ${expected}`);
  };
  return { row, check };
}

/**
 * Inserts `total` stored conversations of `botId` into the store at `dbPath` (schema already
 * migrated); returns the milliseconds it took.
 */
export async function prepopulate(dbPath: string, botId: string, total: number): Promise<number> {
  const start = performance.now();
  const db = new Database(dbPath);
  try {
    db.exec("pragma synchronous = off");
    const { row, check } = rowFactory(botId, total, Date.now());
    for (let i = 0; i < total; i += CHECK_EVERY) check(i);
    check(total - 1);
    const placeholders = (n: number) => Array.from({ length: n }, () => `(${COLUMNS.map(() => "?").join(", ")})`).join(", ");
    const insertSql = (n: number) => `insert into conversations (${COLUMNS.map((c) => `"${c}"`).join(", ")}) values ${placeholders(n)}`;
    const full = db.prepare(insertSql(ROWS_PER_INSERT));
    for (let first = 0; first < total; first += ROWS_PER_TRANSACTION) {
      const last = Math.min(total, first + ROWS_PER_TRANSACTION);
      db.exec("begin");
      for (let k = first; k < last; k += ROWS_PER_INSERT) {
        const n = Math.min(ROWS_PER_INSERT, last - k);
        const values: (string | number)[] = [];
        for (let i = k; i < k + n; i++) values.push(...row(i));
        (n === ROWS_PER_INSERT ? full : db.prepare(insertSql(n))).run(values);
      }
      db.exec("commit");
      // Lets timers (the bench's watchdog) run between transactions.
      await new Promise((resolve) => setImmediate(resolve));
    }
    db.exec("pragma wal_checkpoint(truncate)");
  } finally {
    db.close();
  }
  return performance.now() - start;
}
