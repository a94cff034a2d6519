/**
 * Shared plumbing of the benchmarks: the emulated Telegram world (in-process, rate limits off),
 * a temp YAML config with `limits: off`, Switchboard started as a child process through the real
 * CLI on the bench's own runtime (Node via bin/switchboard.mjs, the production entry; or Deno), a tracker that timestamps every message
 * the emulator stores (its synchronous `onChange` hook), and /proc readings of the child.
 *
 * Everything talks to 127.0.0.1 only.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Emulator, startEmulator, type StoredMessage, type WorldEvent } from "../src/sandbox/emulator/mod.ts";

/** The project root (the child runs from there, as the CLI tests do). */
export const root = fileURLToPath(new URL("..", import.meta.url));

/** True when the bench runs on Deno. */
export const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** Name of the runtime, for the results block. */
export const runtimeName = (): string =>
  isDeno ? `deno ${(globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno}` : `node ${process.version}`;

/** Milliseconds on a monotonic clock. */
export const now = (): number => performance.now();

/**
 * Microseconds on CLOCK_MONOTONIC, the clock of V8's .cpuprofile timestamps (`startTime`,
 * `timeDeltas`), so a bench phase can be cut out of a child's profile.
 */
export const monotonicMicros = (): number => Number(process.hrtime.bigint() / 1000n);

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Lets pending I/O (the emulator's HTTP server) run between bursts of synchronous work. */
export const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The emulated Telegram side of a bench. */
export interface BenchWorld {
  emulator: Emulator;
  bot: { id: number; token: string; username: string };
  operator: { id: number };
  groupId: number;
  dir: string;
  dbPath: string;
  /** The config's `storage` URL (the SQLite file at `dbPath` unless a bench asked for another). */
  storage: string;
  configPath: string;
}

/**
 * Starts the emulator (rate limits off) with a bot, an operator and a forum group; writes the
 * config, with `storage` as its store when given (else a SQLite file in the bench's folder).
 */
export async function createBenchWorld(prefix: string, o: { dir?: string; dbPath?: string; storage?: string } = {}): Promise<BenchWorld> {
  const emulator = await startEmulator({ enforceRateLimits: false, host: "127.0.0.1" });
  const bot = emulator.createBot({ username: "acme_support_bot", firstName: "Acme Support" });
  const operator = emulator.createUser({ firstName: "Olga", lastName: "Operator", username: "olga" });
  const groupId = emulator.createForumGroup({ title: "Acme operators", bots: [bot.token], operators: [operator.id] });
  const dir = o.dir ?? tempDir(prefix);
  const dbPath = o.dbPath ?? join(dir, "switchboard.db");
  const configPath = join(dir, "switchboard.yaml");
  const storage = o.storage ?? `sqlite:${dbPath}`;
  writeFileSync(configPath, configYaml(emulator.url, groupId, storage));
  return { emulator, bot, operator, groupId, dir, dbPath, storage, configPath };
}

/** A fresh temporary folder. */
export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix));

/** Removes a bench's temp folder (store, WAL, config). */
export const removeDir = (dir: string): void => rmSync(dir, { recursive: true, force: true });

/** The deployment config: one bot on the emulator, Switchboard's own pacing off. */
export function configYaml(apiRoot: string, groupId: number, storage: string): string {
  return `storage: "${storage}"
bots:
  - id: acme
    token: \${ACME_TOKEN}
    api_root: ${apiRoot}
    group: ${groupId}
    limits: off
`;
}

/**
 * Extra runtime flags for the child, from `BENCH_CHILD_FLAGS` (space-separated), e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` on Node to profile Switchboard under the bench's load.
 */
/**
 * The heap caps production runs with (the shebang of bin/switchboard.mjs, `npm start`, the
 * `start` task in deno.json); BENCH_CHILD_FLAGS replaces them.
 */
const productionFlags = isDeno ? "--v8-flags=--max-old-space-size=128,--max-semi-space-size=4" : "--max-old-space-size=192 --max-semi-space-size=4";
const childFlags = (): string[] => (process.env.BENCH_CHILD_FLAGS ?? productionFlags).split(" ").filter((f) => f !== "");

/** The command that starts `src/cli.ts` on this runtime (mirrors test/support/cli.ts). */
export function cliCommand(args: string[]): [string, string[]] {
  return isDeno
    ? [process.execPath, ["run", "-A", ...childFlags(), "src/cli.ts", ...args]]
    : [process.execPath, [...childFlags(), "bin/switchboard.mjs", ...args]];
}

/** Switchboard running as a child process. */
export interface SwitchboardChild {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once the output matches `pattern`; rejects on exit or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns `switchboard run --config FILE` with the bot token in the environment. */
export function spawnSwitchboard(configPath: string, token: string): SwitchboardChild {
  const [command, argv] = cliCommand(["run", "--config", configPath]);
  return spawnChild(command, argv, { ACME_TOKEN: token });
}

/**
 * Spawns bench/grammy-relay.ts, the plain non-durable grammY relay the CPU figures are compared
 * with, for the world's bot and group (Node through tsx, or Deno; no heap cap, as a small bot runs).
 */
export function spawnReference(world: BenchWorld): SwitchboardChild {
  const script = "bench/grammy-relay.ts";
  const flags = (process.env.BENCH_CHILD_FLAGS ?? "").split(" ").filter((f) => f !== "");
  const [command, argv]: [string, string[]] = isDeno
    ? [process.execPath, ["run", "-A", ...flags, script]]
    : [process.execPath, ["--import", "tsx", ...flags, script]];
  return spawnChild(command, argv, { REF_API_ROOT: world.emulator.url, REF_TOKEN: world.bot.token, REF_GROUP: String(world.groupId) });
}

function spawnChild(command: string, argv: string[], env: Record<string, string>): SwitchboardChild {
  const child = spawn(command, argv, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
  let output = "";
  // BENCH_CHILD_OUTPUT=FILE keeps what the child wrote (e.g. `--trace-gc` lines) in FILE.
  const keep = process.env.BENCH_CHILD_OUTPUT;
  const kept = keep ? createWriteStream(keep) : undefined;
  child.stdout!.on("data", (d) => (output += d, kept?.write(d)));
  child.stderr!.on("data", (d) => (output += d, kept?.write(d)));
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => child.on("exit", (code) => {
    exitCode = code;
    resolve();
  }));
  return {
    child,
    pid: child.pid,
    output: () => output,
    async waitForOutput(pattern, timeoutMs) {
      const deadline = now() + timeoutMs;
      while (!pattern.test(output)) {
        if (exitCode !== undefined) throw new Error(`switchboard exited (code ${exitCode}) before printing ${pattern}:\n${output}`);
        if (now() > deadline) throw new Error(`switchboard did not print ${pattern} within ${timeoutMs} ms:\n${output}`);
        await sleep(20);
      }
    },
    async stop(graceMs = 5_000) {
      if (exitCode !== undefined) return;
      child.kill("SIGTERM");
      const killed = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
      if (killed) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}

/** The line `switchboard run` logs once a bot polls. */
export const readyLine = /\[acme\].*receiving updates/;

/** A field of /proc/<pid>/status in MB (e.g. VmHWM = peak RSS, VmRSS = current); NaN off Linux. */
export function procStatusMb(pid: number, field: "VmHWM" | "VmRSS"): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status);
    return kb ? Number(kb[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; NaN off Linux. */
export function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds so far of the PostgreSQL server's work for `database`: its backends (one per
 * connection of Switchboard's pool; their command line names the database) plus the server's
 * shared writers (WAL writer, checkpointer, background writer), which serve every database of the
 * server. Backends that ended are not counted: the pool keeps its connections while busy.
 */
export function postgresCpuSeconds(database: string): number {
  let total = 0;
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!cmd.startsWith("postgres: ")) continue;
      if (cmd.includes(` ${database} `) || /^postgres: (\S+ )?(walwriter|checkpointer|background writer)/.test(cmd)) total += procCpuSeconds(Number(pid)) || 0;
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

/** Machine-wide CPU seconds so far from /proc/stat: busy (all cores, steal excluded) and steal. */
export function machineCpuSeconds(): { busy: number; steal: number } {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    return { busy: (user + nice + system + irq + softirq) / 100, steal: steal / 100 };
  } catch {
    return { busy: NaN, steal: NaN };
  }
}

/**
 * Measures what else ran on the machine during a phase: CPU seconds used by processes other
 * than the bench, the child and the child's database server (`serverCpuSeconds`), and time the
 * hypervisor stole. A run with much of either was
 * disturbed; its timings say more about the neighbours than about Switchboard.
 */
export function interference(childPid: number, serverCpuSeconds: () => number = () => 0) {
  const m0 = machineCpuSeconds();
  const own0 = selfCpuSeconds() + procCpuSeconds(childPid) + serverCpuSeconds();
  return () => {
    const m1 = machineCpuSeconds();
    const own = selfCpuSeconds() + procCpuSeconds(childPid) + serverCpuSeconds() - own0;
    return { otherCpuSeconds: Math.max(0, m1.busy - m0.busy - own), stealSeconds: m1.steal - m0.steal };
  };
}

/** CPU seconds of this (the bench + emulator) process. */
export const selfCpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** One relayed copy as the emulator stored it. */
export interface Arrival {
  /** The original's chat (user id for copies into topics, the group for copies to users). */
  fromChatId: number;
  fromMessageId: number;
  /** Where the copy landed: its chat and (in the group) thread. */
  chatId: number;
  threadId: number | undefined;
  at: number;
}

/**
 * Watches the emulator's change stream and records every *copy* (a message with `copiedFrom`)
 * with the monotonic time it was stored. `onChange` runs synchronously inside the Bot API call
 * that stores the copy, so the timestamp is the moment Telegram would have it.
 */
export class CopyTracker {
  readonly arrivals: Arrival[] = [];
  readonly #listeners = new Set<(a: Arrival) => void>();
  readonly #off: () => void;

  constructor(emulator: Emulator) {
    this.#off = emulator.onChange((e: WorldEvent) => this.#see(e));
  }

  #see(e: WorldEvent): void {
    if (e.type !== "message") return;
    const m = e.data as StoredMessage | undefined;
    if (!m?.copiedFrom) return;
    const a: Arrival = { fromChatId: m.copiedFrom.chatId, fromMessageId: m.copiedFrom.messageId, chatId: e.chatId!, threadId: e.threadId, at: now() };
    this.arrivals.push(a);
    for (const l of this.#listeners) l(a);
  }

  /** Calls `listener` for every later arrival; returns the unsubscribe function. */
  onArrival(listener: (a: Arrival) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves when `done()` holds (checked after each arrival); rejects after `timeoutMs`. */
  until(done: () => boolean, timeoutMs: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(false);
      }, timeoutMs);
      const off = this.onArrival(() => {
        if (!done()) return;
        clearTimeout(timer);
        off();
        resolve(true);
      });
    });
  }

  close(): void {
    this.#off();
  }
}

/** What went wrong with the copies of a set of users' messages. */
export interface Correctness {
  expected: number;
  delivered: number;
  missing: number;
  duplicates: number;
  outOfOrder: number;
  /** Users whose copies landed in more than one topic, or in another user's topic. */
  wrongTopic: number;
}

/**
 * Checks that every message in `sent` (user id -> message ids in send order) arrived exactly once,
 * in order, in one topic of its own.
 */
export function checkTopicCopies(sent: ReadonlyMap<number, readonly number[]>, arrivals: readonly Arrival[], groupId: number): Correctness {
  const byUser = new Map<number, Arrival[]>();
  for (const a of arrivals) {
    if (a.chatId !== groupId || !sent.has(a.fromChatId)) continue;
    let list = byUser.get(a.fromChatId);
    if (!list) byUser.set(a.fromChatId, (list = []));
    list.push(a);
  }
  const result: Correctness = { expected: 0, delivered: 0, missing: 0, duplicates: 0, outOfOrder: 0, wrongTopic: 0 };
  const ownerOfThread = new Map<number, number>();
  for (const [userId, ids] of sent) {
    const got = byUser.get(userId) ?? [];
    result.expected += ids.length;
    const seen = new Set<number>();
    const expectedIds = new Set(ids);
    let last = -Infinity;
    const threads = new Set<number | undefined>();
    for (const a of got) {
      threads.add(a.threadId);
      if (!expectedIds.has(a.fromMessageId)) continue;
      if (seen.has(a.fromMessageId)) {
        result.duplicates += 1;
        continue;
      }
      seen.add(a.fromMessageId);
      if (a.fromMessageId < last) result.outOfOrder += 1;
      last = a.fromMessageId;
    }
    result.delivered += seen.size;
    result.missing += ids.length - seen.size;
    const [thread] = threads;
    const foreign = thread !== undefined && ownerOfThread.has(thread) && ownerOfThread.get(thread) !== userId;
    if (thread !== undefined) ownerOfThread.set(thread, userId);
    if (threads.size > 1 || thread === undefined && got.length > 0 || foreign) result.wrongTopic += 1;
  }
  return result;
}

/**
 * Checks that every operator message in `sent` (user id -> ids of the operator's messages in that
 * user's topic, in post order) arrived exactly once, in order, in that user's private chat.
 * `wrongTopic` counts users who got a copy meant for someone else.
 */
export function checkUserCopies(sent: ReadonlyMap<number, readonly number[]>, arrivals: readonly Arrival[], groupId: number): Correctness {
  const target = new Map<number, number>();
  for (const [userId, ids] of sent) for (const id of ids) target.set(id, userId);
  const result: Correctness = { expected: target.size, delivered: 0, missing: 0, duplicates: 0, outOfOrder: 0, wrongTopic: 0 };
  const seen = new Set<number>();
  const last = new Map<number, number>();
  const misplaced = new Set<number>();
  for (const a of arrivals) {
    if (a.fromChatId !== groupId) continue;
    const userId = target.get(a.fromMessageId);
    if (userId === undefined) continue;
    if (a.chatId !== userId) {
      misplaced.add(a.chatId);
      continue;
    }
    if (seen.has(a.fromMessageId)) {
      result.duplicates += 1;
      continue;
    }
    seen.add(a.fromMessageId);
    if (a.fromMessageId < (last.get(userId) ?? -Infinity)) result.outOfOrder += 1;
    last.set(userId, a.fromMessageId);
  }
  result.delivered = seen.size;
  result.missing = target.size - seen.size;
  result.wrongTopic = misplaced.size;
  return result;
}

/** True when nothing went wrong. */
export const isCorrect = (c: Correctness): boolean => c.missing === 0 && c.duplicates === 0 && c.outOfOrder === 0 && c.wrongTopic === 0;

/** One line for a correctness check. */
export const formatCorrectness = (c: Correctness): string =>
  `${c.delivered}/${c.expected} delivered, missing ${c.missing}, duplicates ${c.duplicates}, out of order ${c.outOfOrder}, wrong topic ${c.wrongTopic}`;

/** The q-quantile (0..1) of `values` by the nearest-rank method. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

/** A number with a fixed number of decimals. */
export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

/**
 * Ends the process with `code` after `ms` unless cancelled: a bench must finish by itself even
 * when Switchboard hangs. `cleanup` runs first (kill the child).
 */
export function watchdog(ms: number, cleanup: () => void): { cancel(): void } {
  const timer = setTimeout(() => {
    process.stderr.write(`bench: watchdog fired after ${ms / 1000} s; giving up\n`);
    try {
      cleanup();
    } finally {
      process.exit(3);
    }
  }, ms);
  return { cancel: () => clearTimeout(timer) };
}
