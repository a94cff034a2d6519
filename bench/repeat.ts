/**
 * Runs a bench several times in a row and prints every run plus the best and the median of each
 * figure, so that one disturbed run on a shared machine does not decide the result.
 *
 * Before each run it waits (up to `--quiet-wait` seconds, default 120) until the machine has been
 * near idle for 3 s — other sessions run test suites on the same 2 cores — and records how long it
 * waited. Every figure is taken from the `BENCH_RESULT {json}` line the bench prints last; the
 * "other processes" CPU each bench measures per phase is printed beside the run. A run whose
 * measured phases saw more than `--max-other` CPU-seconds of other processes (default 1.5) is
 * *disturbed*: the script runs again until it has `--runs` undisturbed runs or has made
 * `--attempts` runs in all (default 3 × runs). Best and median are over the undisturbed runs
 * (over all runs, marked so, if none was undisturbed).
 *
 * Run: `npx tsx bench/repeat.ts relay|memory [--runs 3] [--attempts 9] [--max-other 1.5] [--deno]
 * [--quiet-wait 120] [-- bench args]`, for example
 * `npx tsx bench/repeat.ts memory --runs 3 -- --stored 1000000`. Each bench run is bounded by its
 * own watchdog, and the number of runs by `--attempts`; nothing here can hang.
 */
import { spawn } from "node:child_process";
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
  benchArgs: string[];
}

function parseArgs(argv: string[]): Options {
  const dashes = argv.indexOf("--");
  const own = dashes < 0 ? argv : argv.slice(0, dashes);
  const benchArgs = dashes < 0 ? [] : argv.slice(dashes + 1);
  const bench = own[0];
  if (bench !== "relay" && bench !== "memory") throw new Error("usage: repeat.ts relay|memory [--runs N] [--deno] [--quiet-wait S] [-- bench args]");
  const value = (flag: string, fallback: number) => {
    const i = own.indexOf(flag);
    return i < 0 ? fallback : Number(own[i + 1]);
  };
  const runs = value("--runs", 3);
  return {
    bench, runs, attempts: value("--attempts", 3 * runs), maxOther: value("--max-other", 1.5),
    deno: own.includes("--deno"), quietWaitSeconds: value("--quiet-wait", 120), benchArgs,
  };
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

/** Runs the bench once, echoing its output; resolves with its exit code and parsed result. */
function runOnce(o: Options): Promise<{ code: number | null; result?: Record<string, unknown> }> {
  const script = join("bench", `${o.bench}.ts`);
  const [command, args] = o.deno
    ? [join(root, "node_modules/deno/deno"), ["run", "-A", script, ...o.benchArgs]]
    : [process.execPath, ["--import", "tsx", script, ...o.benchArgs]];
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
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

/** Figures to summarise: key, label, digits, and whether higher is better. */
const figures: Record<Options["bench"], [string, string, number, boolean][]> = {
  relay: [
    ["cpuPer1000UserToTopic", "CPU-s / 1,000 user → topic", 3, false],
    ["cpuPer1000OperatorToUser", "CPU-s / 1,000 operator → user", 3, false],
    ["cpuPer1000At100", "CPU-s / 1,000 at 100 msg/s", 3, false],
    ["throughput", "throughput user → topic (msg/s)", 0, true],
    ["throughputOperatorToUser", "throughput operator → user (msg/s)", 0, true],
    ["p50", "p50 at 100 msg/s (ms)", 1, false],
    ["p99", "p99 at 100 msg/s (ms)", 1, false],
    ["peakRssMb", "peak RSS (MB)", 1, false],
  ],
  memory: [
    ["peakRssMb", "peak RSS (MB)", 1, false],
    ["idleRssMb", "RSS after start (MB)", 1, false],
    ["prepopulateSeconds", "pre-populate (s)", 1, false],
    ["runSeconds", "run time (s)", 1, false],
  ],
};

/** The most CPU-seconds other processes used in any measured phase of a run. */
const worstOther = (result: Record<string, unknown>): number => Math.max(...Object.values((result.otherCpu ?? {}) as Record<string, number>));

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  const runs: { result: Record<string, unknown>; clean: boolean }[] = [];
  const notes: string[] = [];
  let failed = 0;
  for (let attempt = 1; attempt <= o.attempts && runs.filter((r) => r.clean).length < o.runs; attempt++) {
    const q = await waitForQuiet(o.quietWaitSeconds);
    const note = `run ${attempt}: waited ${fmt(q.waited, 0)} s for a quiet machine${q.quiet ? "" : " (never quiet; ran anyway)"}; started ${new Date().toISOString()}`;
    console.log(`\n### ${note}`);
    const { code, result } = await runOnce(o);
    if (code !== 0 || !result) failed += 1;
    const clean = result !== undefined && worstOther(result) <= o.maxOther;
    if (result) runs.push({ result, clean });
    notes.push(`${note}; exit ${code}; other CPU-s ${JSON.stringify(result?.otherCpu ?? "n/a")}${clean ? "" : " — disturbed"}`);
  }
  const clean = runs.filter((r) => r.clean);
  const counted = clean.length > 0 ? clean : runs;
  console.log(`\n== ${o.bench} (${runs[0]?.result.runtime ?? (o.deno ? "deno" : "node")}) ${o.benchArgs.join(" ")}: ${runs.length} runs, ${clean.length} undisturbed (other processes ≤ ${o.maxOther} CPU-s per phase) ==`);
  for (const n of notes) console.log(n);
  if (clean.length === 0) console.log("NO undisturbed run: best and median below are over disturbed runs");
  console.log(`| figure | ${runs.map((r, i) => `run ${i + 1}${r.clean ? "" : " (disturbed)"}`).join(" | ")} | best | median |`);
  console.log(`|---|${runs.map(() => "---|").join("")}---|---|`);
  for (const [key, label, digits, higherIsBetter] of figures[o.bench]) {
    const xs = counted.map((r) => Number(r.result[key]));
    const best = higherIsBetter ? Math.max(...xs) : Math.min(...xs);
    console.log(`| ${label} | ${runs.map((r) => fmt(Number(r.result[key]), digits)).join(" | ")} | **${fmt(best, digits)}** | ${fmt(median(xs), digits)} |`);
  }
  console.log(`| other processes, worst phase (CPU-s) | ${runs.map((r) => fmt(worstOther(r.result), 2)).join(" | ")} | | |`);
  console.log(`SUMMARY_JSON ${JSON.stringify({ bench: o.bench, args: o.benchArgs, notes, runs })}`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`bench/repeat: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    process.exit(2);
  },
);
