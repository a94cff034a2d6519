/**
 * Runs a bench several times in a row and prints every run plus the best and the median of each
 * figure, so that one disturbed run on a shared machine does not decide the result.
 *
 * Before each run it waits (up to `--quiet-wait` seconds, default 120) until the machine has been
 * near idle for 3 s — other sessions run test suites on the same 2 cores — and records how long it
 * waited. Every figure is taken from the `BENCH_RESULT {json}` line the bench prints last, with the
 * CPU-seconds other processes used during each measured phase. A phase that saw more than
 * `--max-other` of them (default 1.0) is *disturbed*, and so are the figures measured in it (CPU
 * per 1,000 and throughput in their burst; latency and CPU at 100 msg/s in the latency phase; the
 * memory run's time). Peak RSS hardly depends on neighbours and always counts. The script runs
 * again until every phase has `--runs` undisturbed runs or it has made `--attempts` runs in all
 * (default 3 × runs). Best and median of a figure are over its undisturbed values (over all,
 * marked so, when none is).
 *
 * Before/after on the same machine in the same hour: `--ab COMMIT` alternates runs of COMMIT's
 * tree (exported with `git archive` into a temp folder beside a link to this node_modules; its own
 * bench/ runs, so pick a commit that has this bench) and of the working tree, and prints a table
 * for each. Alternating spreads the machine's drift over both sides. `--at COMMIT` runs only
 * COMMIT's tree. `--summarize LOG…` runs nothing and prints the table for the `BENCH_RESULT` lines
 * in earlier logs (e.g. several repeat.ts outputs together).
 *
 * Run: `npx tsx bench/repeat.ts relay|memory [--runs 3] [--attempts 9] [--max-other 1.0] [--deno]
 * [--quiet-wait 120] [--ab COMMIT | --at COMMIT] [-- bench args]`, for example
 * `npx tsx bench/repeat.ts memory --runs 3 -- --stored 1000000`. Each bench run is bounded by its
 * own watchdog, and the number of runs by `--attempts` (per side); nothing here can hang.
 */
import { execSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fmt, machineCpuSeconds, now, root, sleep } from "./support.ts";

/** Machine-wide busy CPU below this share of the 2 cores counts as quiet. */
const QUIET_SHARE = 0.1;
const QUIET_WINDOW_MS = 3_000;

interface Options {
  bench: "relay" | "memory";
  runs: number;
  attempts: number;
  maxOther: number;
  deno: boolean;
  quietWaitSeconds: number;
  /** Trees to run, alternating: "" is the working tree, anything else a commit. */
  sides: string[];
  /** Logs to summarise instead of running. */
  logs: string[];
  benchArgs: string[];
}

function parseArgs(argv: string[]): Options {
  const dashes = argv.indexOf("--");
  const own = dashes < 0 ? argv : argv.slice(0, dashes);
  const benchArgs = dashes < 0 ? [] : argv.slice(dashes + 1);
  const bench = own[0];
  if (bench !== "relay" && bench !== "memory") {
    throw new Error("usage: repeat.ts relay|memory [--runs N] [--attempts N] [--max-other S] [--deno] [--quiet-wait S] [--ab COMMIT | --at COMMIT] [-- bench args]");
  }
  const text = (flag: string) => {
    const i = own.indexOf(flag);
    return i < 0 ? undefined : own[i + 1];
  };
  const value = (flag: string, fallback: number) => Number(text(flag) ?? fallback);
  const runs = value("--runs", 3);
  const ab = text("--ab");
  const at = text("--at");
  return {
    bench, runs, attempts: value("--attempts", 3 * runs), maxOther: value("--max-other", 1.0),
    deno: own.includes("--deno"), quietWaitSeconds: value("--quiet-wait", 120),
    sides: ab ? [ab, ""] : at ? [at] : [""], benchArgs,
    logs: own.includes("--summarize") ? own.slice(own.indexOf("--summarize") + 1) : [],
  };
}

/** The folder to run a side in: the working tree, or COMMIT exported beside our node_modules. */
function treeOf(side: string): string {
  if (side === "") return root;
  const commit = execSync(`git -C ${JSON.stringify(root)} rev-parse --short ${JSON.stringify(side)}`, { encoding: "utf8" }).trim();
  const dir = join(tmpdir(), `sb-bench-at-${commit}`);
  if (!existsSync(join(dir, "package.json"))) {
    mkdirSync(dir, { recursive: true });
    execSync(`git -C ${JSON.stringify(root)} archive ${commit} | tar -x -C ${JSON.stringify(dir)}`);
  }
  if (!existsSync(join(dir, "node_modules"))) symlinkSync(realpathSync(join(root, "node_modules")), join(dir, "node_modules"));
  return dir;
}

/** Waits until the machine was near idle for a whole window; returns the seconds waited. */
async function waitForQuiet(maxSeconds: number): Promise<{ waited: number; quiet: boolean }> {
  const start = now();
  while (now() - start < maxSeconds * 1000) {
    const m0 = machineCpuSeconds().busy;
    await sleep(QUIET_WINDOW_MS);
    const share = (machineCpuSeconds().busy - m0) / (QUIET_WINDOW_MS / 1000) / 2;
    if (share < QUIET_SHARE) return { waited: (now() - start) / 1000, quiet: true };
  }
  return { waited: (now() - start) / 1000, quiet: false };
}

/** Runs the bench once in `cwd`, echoing its output; resolves with its exit code and parsed result. */
function runOnce(o: Options, cwd: string): Promise<{ code: number | null; result?: Record<string, unknown> }> {
  const script = join("bench", `${o.bench}.ts`);
  const [command, args] = o.deno
    ? [join(root, "node_modules/deno/deno"), ["run", "-A", script, ...o.benchArgs]]
    : [process.execPath, ["--import", "tsx", script, ...o.benchArgs]];
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.on("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("BENCH_RESULT "));
      resolve({ code, result: line ? JSON.parse(line.slice("BENCH_RESULT ".length)) : undefined });
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** A figure to summarise: key, label, digits, whether higher is better, and the phase it is measured in. */
type Figure = [key: string, label: string, digits: number, higherIsBetter: boolean, phase: string | undefined];

const figures: Record<Options["bench"], Figure[]> = {
  relay: [
    ["cpuPer1000UserToTopic", "CPU-s / 1,000 user → topic", 3, false, "userToTopic"],
    ["cpuPer1000OperatorToUser", "CPU-s / 1,000 operator → user", 3, false, "operatorToUser"],
    ["cpuPer1000At100", "CPU-s / 1,000 at 100 msg/s", 3, false, "latency"],
    ["throughput", "throughput user → topic (msg/s)", 0, true, "userToTopic"],
    ["throughputOperatorToUser", "throughput operator → user (msg/s)", 0, true, "operatorToUser"],
    ["p50", "p50 at 100 msg/s (ms)", 1, false, "latency"],
    ["p99", "p99 at 100 msg/s (ms)", 1, false, "latency"],
    ["peakRssMb", "peak RSS (MB)", 1, false, undefined],
  ],
  memory: [
    ["peakRssMb", "peak RSS (MB)", 1, false, undefined],
    ["idleRssMb", "RSS after start (MB)", 1, false, undefined],
    ["prepopulateSeconds", "pre-populate (s)", 1, false, undefined],
    ["runSeconds", "run time (s)", 1, false, "run"],
  ],
};

type Result = Record<string, unknown>;

/** CPU-seconds other processes used during `phase` of a run. */
const otherIn = (result: Result, phase: string): number => ((result.otherCpu ?? {}) as Record<string, number>)[phase] ?? Infinity;

/** Whether a figure's phase was undisturbed in a run. */
const cleanFor = (o: Options, result: Result, phase: string | undefined): boolean => phase === undefined || otherIn(result, phase) <= o.maxOther;

/** Phases whose figures matter for the bench. */
const phasesOf = (o: Options): string[] => [...new Set(figures[o.bench].map((f) => f[4]).filter((p): p is string => p !== undefined))];

/** The per-run table; best and median of each figure over the runs where its phase was undisturbed. */
function report(o: Options, side: string, runs: Result[], notes: string[]): void {
  const where = side === "" ? "working tree" : side.startsWith("logs ") ? side : `commit ${side}`;
  console.log(`\n== ${o.bench} (${runs[0]?.runtime ?? (o.deno ? "deno" : "node")}, ${where}) ${o.benchArgs.join(" ")}: ${runs.length} runs; * = measured in a disturbed phase (other processes > ${o.maxOther} CPU-s) ==`);
  for (const n of notes) console.log(n);
  if (runs.length === 0) return;
  console.log(`| figure | ${runs.map((_, i) => `run ${i + 1}`).join(" | ")} | best | median | undisturbed |`);
  console.log(`|---|${runs.map(() => "---|").join("")}---|---|---|`);
  for (const [key, label, digits, higherIsBetter, phase] of figures[o.bench]) {
    const clean = runs.filter((r) => cleanFor(o, r, phase));
    const xs = (clean.length > 0 ? clean : runs).map((r) => Number(r[key]));
    const best = higherIsBetter ? Math.max(...xs) : Math.min(...xs);
    const cells = runs.map((r) => `${fmt(Number(r[key]), digits)}${cleanFor(o, r, phase) ? "" : "*"}`);
    console.log(`| ${label} | ${cells.join(" | ")} | **${fmt(best, digits)}** | ${fmt(median(xs), digits)} | ${clean.length > 0 ? `${clean.length} of ${runs.length}` : "none: over all runs"} |`);
  }
  for (const phase of phasesOf(o)) console.log(`| other processes in ${phase} (CPU-s) | ${runs.map((r) => fmt(otherIn(r, phase), 2)).join(" | ")} | | | |`);
}

/** The BENCH_RESULT lines of earlier logs, in order. */
function resultsIn(logs: string[]): Result[] {
  return logs.flatMap((log) => readFileSync(log, "utf8").split("\n").filter((l) => l.startsWith("BENCH_RESULT ")).map((l) => JSON.parse(l.slice("BENCH_RESULT ".length)) as Result));
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  if (o.logs.length > 0) {
    report(o, `logs ${o.logs.join(", ")}`, resultsIn(o.logs).filter((r) => r.bench === o.bench), []);
    return 0;
  }
  const trees = o.sides.map(treeOf);
  const runs: Result[][] = o.sides.map(() => []);
  const notes: string[][] = o.sides.map(() => []);
  const attempts = o.sides.map(() => 0);
  const enough = (s: number) => phasesOf(o).every((phase) => runs[s].filter((r) => cleanFor(o, r, phase)).length >= o.runs) && runs[s].length >= o.runs;
  const wanted = (s: number) => !enough(s) && attempts[s] < o.attempts;
  let failed = 0;
  for (let turn = 0; o.sides.some((_, s) => wanted(s)); turn++) {
    const s = turn % o.sides.length;
    if (!wanted(s)) continue;
    attempts[s] += 1;
    const q = await waitForQuiet(o.quietWaitSeconds);
    const note = `run ${attempts[s]}${o.sides[s] ? ` at ${o.sides[s]}` : ""}: waited ${fmt(q.waited, 0)} s for a quiet machine${q.quiet ? "" : " (never quiet; ran anyway)"}; started ${new Date().toISOString()}`;
    console.log(`\n### ${note}`);
    const { code, result } = await runOnce(o, trees[s]);
    if (code !== 0 || !result) failed += 1;
    if (result) runs[s].push(result);
    notes[s].push(`${note}; exit ${code}; other CPU-s ${JSON.stringify(result?.otherCpu ?? "n/a")}`);
  }
  o.sides.forEach((side, s) => report(o, side, runs[s], notes[s]));
  console.log(`SUMMARY_JSON ${JSON.stringify({ bench: o.bench, args: o.benchArgs, sides: o.sides, notes, runs })}`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`bench/repeat: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    process.exit(2);
  },
);
