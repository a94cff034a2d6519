/**
 * The world end-to-end tests run in: the emulator (Telegram), one bot, one forum group with an
 * operator, and Switchboard started in-process from a real YAML config on a real SQLite file (or,
 * with `storage: "postgres"`, a database of its own on the real PostgreSQL server).
 */
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TestClock } from "effect";
import { parseConfig, type Config } from "../../src/config/mod.ts";
import { noLimits, type RateLimitConfig } from "../../src/pipeline/rate-limits.ts";
import { type RunOptions, type Running, runConfig } from "../../src/run.ts";
import { type Emulator, startEmulator } from "../../src/sandbox/emulator/mod.ts";
import { createLogger, setLogSink } from "../../src/util/log.ts";
import { createTestDatabase } from "./postgres.ts";

/** Captured log lines of the current test file. */
export const logLines: string[] = [];
setLogSink((line) => {
  logLines.push(line);
  if (process.env.TEST_LOG) process.stderr.write(line + "\n");
});

/** Everything started by the current test, stopped by `closeAll` (register it with afterEach). */
const started: Array<() => Promise<void>> = [];

/** Stops every Switchboard and emulator the current test started, newest first. */
export async function closeAll(): Promise<void> {
  while (started.length > 0) await started.pop()!();
}

/** Ports handed out by this process: not handed out twice. */
const handedOut = new Set<number>();

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });

/**
 * A port free on 127.0.0.1 right now (for servers a test asks Switchboard to start), picked below
 * Linux's ephemeral range (32768–60999): a port the system picked (`listen(0)`) and then freed is
 * the kind it gives the next outgoing connection too, and under load one did take it before the
 * test's server listened (CI: "cannot listen on 127.0.0.1:34185 … EADDRINUSE").
 */
export const freePort = async (): Promise<number> => {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
};

/** A fresh temporary folder. */
export const tempDir = (prefix = "sb-") => mkdtempSync(join(tmpdir(), prefix));

/** Everything a test needs. */
export interface World {
  emulator: Emulator;
  bot: { id: number; token: string; username: string };
  operator: { id: number };
  groupId: number;
  dir: string;
  /** The SQLite file (used when the world's storage is SQLite). */
  dbPath: string;
  /** The config's `storage` URL. */
  storage: string;
  /** YAML of the bot section, for tests that start the CLI. */
  yaml(extra?: string): string;
  config(extra?: string): Config;
}

/** The storage engines an end-to-end test can run on. */
export type WorldStorage = "sqlite" | "postgres";

/**
 * Starts the emulator and creates the bot, group and operator; with `storage: "postgres"` also a
 * fresh database, dropped by `closeAll` after everything the test started has stopped.
 */
export async function createWorld(o: { enforceRateLimits?: boolean; storage?: WorldStorage } = {}): Promise<World> {
  const emulator = await startEmulator({ enforceRateLimits: o.enforceRateLimits ?? false });
  started.push(() => emulator.close());
  const bot = emulator.createBot({ username: "acme_support_bot", firstName: "Acme Support" });
  const operator = emulator.createUser({ firstName: "Olga", lastName: "Operator", username: "olga" });
  const groupId = emulator.createForumGroup({ title: "Acme operators", bots: [bot.token], operators: [operator.id] });
  const dir = tempDir();
  const dbPath = join(dir, "switchboard.db");
  let storage = `sqlite:${dbPath}`;
  if (o.storage === "postgres") {
    const database = await createTestDatabase();
    started.push(database.drop);
    storage = database.url;
  }
  const yaml = (extra = "") => `storage: "${storage}"
bots:
  - id: acme
    token: \${ACME_TOKEN}
    api_root: ${emulator.url}
    group: ${groupId}
${extra}`;
  return {
    emulator, bot, operator, groupId, dir, dbPath, storage, yaml,
    config: (extra) => parseConfig(yaml(extra), { ACME_TOKEN: bot.token }),
  };
}

/** Starts Switchboard in-process with test-friendly timings (short long-polls, short album settle). */
export async function startSwitchboard(
  world: World,
  o: { extra?: string; limits?: RateLimitConfig; config?: Config; testClock?: boolean; mtprotoClient?: RunOptions["mtprotoClient"] } = {},
): Promise<Running> {
  const running = await runConfig(o.config ?? world.config(o.extra), {
    log: createLogger("test", "debug"),
    pollTimeoutSeconds: 1,
    albumSettleMs: 150,
    limits: o.limits ?? noLimits,
    ...(o.testClock ? { testClock: true } : {}),
    ...(o.mtprotoClient ? { mtprotoClient: o.mtprotoClient } : {}),
  });
  let stopped = false;
  const stop = running.stop.bind(running);
  const once = async () => {
    if (stopped) return;
    stopped = true;
    await stop();
  };
  started.push(once);
  return { ...running, stop: once };
}

/** Polls `probe` until it returns a truthy value (or throws the last failure after `timeoutMs`). */
export async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<Exclude<T, false | null | undefined | 0 | "">> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as Exclude<T, false | null | undefined | 0 | "">;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Under `testClock: true`: moves the deployment's TestClock by `stepMs` at a time until `probe`
 * holds, so backoff and 429 pauses pass without real waiting (real time only for the HTTP and
 * SQLite work in between). Fails after `timeoutMs` of real time.
 */
export async function advanceUntil<T>(running: Running, probe: () => T | Promise<T>, what: string, stepMs = 1_000, timeoutMs = 20_000): Promise<Exclude<T, false | null | undefined | 0 | "">> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Exclude<T, false | null | undefined | 0 | "">;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await running.run(TestClock.adjust(stepMs));
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The topic messages that carry user content (not the root service message). */
export function topicMessages(world: World, threadId: number) {
  return world.emulator.messages(world.groupId, { threadId }).filter((m) => !("forum_topic_created" in m) && !("forum_topic_closed" in m) && !("forum_topic_reopened" in m) && !("forum_topic_edited" in m));
}

/** The bot's messages in a user's private chat. */
export function botMessagesTo(world: World, userId: number) {
  return world.emulator.messages(userId).filter((m) => m.from?.is_bot);
}

/** A new user writes `text`; resolves once their topic exists and holds the copy. */
export async function firstContact(world: World, firstName: string, text = "hi") {
  const user = world.emulator.createUser({ firstName });
  world.emulator.userSends(world.bot.token, user.id, { text });
  const topic = await waitFor(() => topicNamed(world, firstName), `topic of ${firstName}`);
  await waitFor(() => topicMessages(world, topic.threadId).some((m) => m.text === text), `copy of "${text}"`);
  return { user, topic };
}

/** The one live topic of the group whose name contains `name`. */
export function topicNamed(world: World, name: string) {
  return world.emulator.topics(world.groupId).find((t) => !t.deleted && t.name.includes(name));
}
