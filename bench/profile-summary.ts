/**
 * Where the time goes in a V8 `.cpuprofile` of Switchboard: self time per function, per file,
 * per package and per area (Kysely query building / compiling / execution, libsql, JSON, XState,
 * Effect, HTTP, our own code by folder, GC), plus inclusive time of our files and of the busiest
 * functions. Prints Markdown tables.
 *
 * The Node child runs a bundle (bin/switchboard.mjs bundles src/ with esbuild at start and deletes
 * the file once loaded), so profile frames of our code point at lines of `cli-<pid>.mjs`. This
 * script rebuilds the same bundle from the current sources (same esbuild options, so the same
 * lines) and maps each line to the `// src/…` section esbuild writes before every module. Profile
 * the code you summarise: a changed source tree maps lines wrongly (the script warns about frames
 * whose function name is not near their line). Our frames show `file @bundle:LINE`: the line is the
 * bundle's, the file the source it came from.
 *
 * Usage:
 *   npx tsx bench/profile-summary.ts FILE.cpuprofile [--log relay-output.txt --phase userToTopic]
 *                                    [--window START_US:END_US] [--top 25]
 * `--log` reads the `BENCH_RESULT` line of a bench/relay.ts run and keeps only the samples inside
 * that phase's window (`userToTopic`, `operatorToUser` or `latency`); relay.ts records windows on the
 * monotonic clock the profile's timestamps use. Without a window the whole profile counts.
 */
import { buildSync } from "esbuild";
// @ts-ignore: a plain .mjs module of the Node entry, without types.
import { bundleOptions } from "../bin/bundle-options.mjs";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fmt, root } from "./support.ts";

/** The parts of a V8 .cpuprofile this script reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One frame, resolved to a readable file. */
interface Frame {
  name: string;
  /** `src/pipeline/commit.ts`, `kysely/dist/esm/…`, `node:net`, or "" for native and V8 frames. */
  file: string;
  line: number;
  /** True for our code: `line` is then a line of the bundle, not of the source file. */
  bundled: boolean;
  parent: number | undefined;
}

function parseArgs(argv: string[]) {
  const file = argv.find((a) => a.endsWith(".cpuprofile"));
  if (!file) throw new Error("usage: profile-summary.ts FILE.cpuprofile [--log FILE --phase NAME] [--window START:END] [--top N]");
  const opt = (flag: string) => {
    const i = argv.indexOf(flag);
    return i < 0 ? undefined : argv[i + 1];
  };
  let window: [number, number] | undefined;
  const raw = opt("--window");
  if (raw) window = raw.split(":").map(Number) as [number, number];
  const log = opt("--log");
  if (log) {
    const line = readFileSync(log, "utf8").split("\n").find((l) => l.startsWith("BENCH_RESULT "));
    if (!line) throw new Error(`${log} has no BENCH_RESULT line`);
    const phase = opt("--phase") ?? "userToTopic";
    window = JSON.parse(line.slice("BENCH_RESULT ".length)).windows?.[phase];
    if (!window) throw new Error(`${log} records no window for phase ${phase}`);
  }
  return { file, window, top: Number(opt("--top") ?? 25) };
}

/** Rebuilds bin/switchboard.mjs's bundle; returns the source file of each bundle line (1-based). */
function bundleLineFiles(): { fileOf: (line: number) => string; text: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "sb-profile-"));
  try {
    const outfile = join(dir, "cli.mjs");
    // Same options as bin/switchboard.mjs: line numbers must match the profiled bundle.
    buildSync(bundleOptions(root, outfile));
    const text = readFileSync(outfile, "utf8").split("\n");
    const owner: string[] = [];
    let current = "(bundle runtime)";
    for (const line of text) {
      const m = /^\/\/ ((?:src|plugins)\/\S+\.ts)$/.exec(line);
      if (m) current = m[1];
      owner.push(current);
    }
    return { fileOf: (line) => owner[line - 1] ?? "(bundle)", text };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Turns profile nodes into frames with readable files (bundle lines mapped back to src/). */
function framesOf(profile: CpuProfile): { frames: Map<number, Frame>; mismatched: Set<string> } {
  const bundle = bundleLineFiles();
  const frames = new Map<number, Frame>();
  const mismatched = new Set<string>();
  for (const n of profile.nodes) {
    const { functionName, url, lineNumber } = n.callFrame;
    let file = url.replace(/^file:\/\//, "");
    const nm = file.lastIndexOf("/node_modules/");
    const bundled = /\/node_modules\/\.cache\/switchboard\/cli-[0-9a-f-]+\.mjs$/.test(file);
    if (bundled) {
      file = bundle.fileOf(lineNumber + 1);
      const name = functionName.replace(/^#|^get |^set /g, "");
      // A constructor frame carries its class's name, declared a few lines above.
      const near = bundle.text.slice(Math.max(0, lineNumber - 10), lineNumber + 1).join("\n");
      if (/^[\w$]+$/.test(name) && !near.includes(name)) mismatched.add(`${functionName}@${lineNumber + 1}`);
    } else if (nm >= 0) file = file.slice(nm + "/node_modules/".length);
    else if (file.startsWith(root)) file = file.slice(root.length);
    frames.set(n.id, { name: functionName || "(anonymous)", file, line: lineNumber + 1, bundled, parent: undefined });
  }
  for (const n of profile.nodes) for (const c of n.children ?? []) frames.get(c)!.parent = n.id;
  return { frames, mismatched };
}

/** The npm package of a node_modules path (`@effect/platform`, `kysely`), else undefined. */
const packageOf = (file: string): string | undefined => {
  if (file.startsWith("src/") || file.startsWith("plugins/") || file.startsWith("node:") || file === "" || file.startsWith("(")) return undefined;
  const parts = file.split("/");
  return parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
};

/** The package, or for our code its folder (`src/pipeline`), or `node internals`, or the V8 name. */
function groupOf(f: Frame): string {
  if (f.file === "") return f.name.startsWith("(") ? f.name : "(native)";
  if (f.file.startsWith("node:")) return "node internals";
  if (f.file.startsWith("src/") || f.file.startsWith("plugins/")) return f.file.split("/").slice(0, 2).join("/");
  return packageOf(f.file) ?? f.file;
}

/**
 * The area a frame's self time belongs to. Native frames without a file (libsql's statement
 * calls, builtins) take the area of their nearest caller that has one; JSON.parse/stringify and
 * the V8 pseudo-frames have areas of their own.
 */
function areaOf(id: number, frames: Map<number, Frame>): string {
  const f = frames.get(id)!;
  if (f.name === "(garbage collector)") return "GC";
  if (f.name === "(program)") return "V8/native outside JS (program)";
  if (f.name === "(idle)") return "(idle)";
  if (f.file === "" && (f.name === "parse" || f.name === "stringify")) return "JSON parse/stringify";
  if (f.file === "") return f.parent === undefined ? "(root)" : areaOf(f.parent, frames);
  const file = f.file;
  const pkg = packageOf(file);
  if (pkg === "kysely") {
    if (file.includes("/query-compiler/")) return "Kysely: compiling SQL";
    if (/\/(query-executor|driver|dialect|plugin)\//.test(file)) return "Kysely: executing (executor, driver, connection)";
    return "Kysely: building queries (builders, parsers, operation nodes)";
  }
  if (pkg === "libsql") return "libsql (SQLite calls)";
  if (pkg === "xstate") return "XState";
  if (pkg === "effect") return /\/(Schema|ParseResult|SchemaAST)\.js$/.test(file) ? "Effect Schema" : "Effect runtime (fibers, core)";
  if (pkg === "@effect/platform" || file === "src/platform/http-client.ts") return "HTTP client (@effect/platform + our transport)";
  if (/^node:(_http|http|https|net|stream|internal\/(streams|http|net|stream_base|deps\/undici|webstreams|url|dns))/.test(file)) return "HTTP / sockets / streams (Node)";
  if (file.startsWith("node:")) return "Node internals (timers, events, microtasks…)";
  if (file.startsWith("src/") || file.startsWith("plugins/")) return `our code: ${file.split("/").slice(0, 2).join("/")}`;
  return `other package: ${pkg ?? file}`;
}

/**
 * The library a frame belongs to, for inclusive time ("time spent inside X, callees included"):
 * what removing or replacing X could save at most.
 */
function libraryOf(f: Frame): string | undefined {
  if (f.file === "") return f.name === "parse" || f.name === "stringify" ? "JSON.parse / JSON.stringify" : undefined;
  if (/^node:internal\/(deps\/undici|webstreams)/.test(f.file)) return "undici Response/Headers + web streams (Node)";
  if (/^node:(_http|http|https|net|internal\/(streams|http|net|stream_base))/.test(f.file)) return "node:http / net / streams";
  if (f.file === "src/platform/http-client.ts") return "src/platform/http-client.ts (our transport)";
  const pkg = packageOf(f.file);
  if (pkg === "kysely") return f.file.includes("/query-compiler/") ? "kysely (compiling only)" : "kysely";
  return pkg;
}

/**
 * Paths through the code whose whole cost matters for a decision: a sample counts for a path when
 * any of its frames is on the stack (so the Bot API call includes the sockets, the web Response
 * and @effect/platform's parsing, but not the Effect fibers around it).
 */
const paths: [string, (f: Frame) => boolean][] = [
  ["Bot API call (src/telegram/client.ts, our transport, @effect/platform, node:http, undici Response)", (f) =>
    f.file === "src/telegram/client.ts" || f.file === "src/platform/http-client.ts" || packageOf(f.file) === "@effect/platform" ||
    /^node:(_http|http|https|net|internal\/(streams|http|net|stream_base|deps\/undici|webstreams))/.test(f.file)],
  ["SQL (Kysely + libsql)", (f) => packageOf(f.file) === "kysely" || packageOf(f.file) === "libsql"],
  ["conversation step (XState + src/conversation/step.ts + machine.ts)", (f) => packageOf(f.file) === "xstate" || f.file === "src/conversation/step.ts" || f.file === "src/conversation/machine.ts"],
  ["plugin hooks (src/plugins/host.ts)", (f) => f.file === "src/plugins/host.ts"],
];

/** Sums `add` per key. */
function tally<K>(map: Map<K, number>, key: K, add: number): void {
  map.set(key, (map.get(key) ?? 0) + add);
}

function table(title: string, header: string, rows: [string, number][], busy: number, top: number): void {
  console.log(`\n### ${title}\n\n| ${header} | ms | share of busy |\n|---|---:|---:|`);
  for (const [key, us] of rows.sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`| ${key.replaceAll("|", "\\|")} | ${fmt(us / 1000, 0)} | ${fmt((us / busy) * 100, 1)} % |`);
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const profile = JSON.parse(readFileSync(o.file, "utf8")) as CpuProfile;
  const { frames, mismatched } = framesOf(profile);

  const self = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    if (o.window && (t < o.window[0] || t > o.window[1])) continue;
    // A sample stands for the time until the next one.
    tally(self, profile.samples[i], profile.timeDeltas[i + 1] ?? 0);
  }

  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  const byGroup = new Map<string, number>();
  const byArea = new Map<string, number>();
  const inclusiveFunction = new Map<string, number>();
  const inclusiveOurFile = new Map<string, number>();
  const inclusiveLibrary = new Map<string, number>();
  const inclusivePath = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  const label = (f: Frame) => `${f.name} (${f.file || "native"}${!f.file ? "" : f.bundled ? ` @bundle:${f.line}` : `:${f.line}`})`;
  for (const [id, us] of self) {
    const f = frames.get(id)!;
    if (f.name === "(idle)") {
      idle += us;
      continue;
    }
    busy += us;
    tally(byFunction, label(f), us);
    tally(byFile, f.file || f.name, us);
    tally(byGroup, groupOf(f), us);
    tally(byArea, areaOf(id, frames), us);
    // Inclusive: every distinct function and our file on the stack gets the sample once.
    const seenFunctions = new Set<string>();
    const seenFiles = new Set<string>();
    const seenLibraries = new Set<string>();
    const seenPaths = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = frames.get(at)!.parent) {
      const g = frames.get(at)!;
      if (g.name === "(root)") break;
      seenFunctions.add(label(g));
      if (g.file.startsWith("src/") || g.file.startsWith("plugins/")) seenFiles.add(g.file);
      const library = libraryOf(g);
      if (library) seenLibraries.add(library);
      for (const [path, on] of paths) if (on(g)) seenPaths.add(path);
    }
    for (const k of seenPaths) tally(inclusivePath, k, us);
    for (const k of seenFunctions) tally(inclusiveFunction, k, us);
    for (const k of seenFiles) tally(inclusiveOurFile, k, us);
    for (const k of seenLibraries) tally(inclusiveLibrary, k, us);
  }

  const window = o.window ? `window ${o.window[0]}–${o.window[1]} µs (${fmt((o.window[1] - o.window[0]) / 1e6, 2)} s)` : "whole profile";
  console.log(`## ${o.file}\n\n${window}: busy ${fmt(busy / 1000, 0)} ms, idle ${fmt(idle / 1000, 0)} ms, ${profile.samples.length} samples in the file`);
  if (mismatched.size > 0) console.log(`\nwarning: bundle frames whose name is not on their mapped line (${[...mismatched].slice(0, 5).join(", ")}) — was the profile taken on other sources?`);
  table("Share by area (self time)", "area", [...byArea], busy, 40);
  table("By package / our folder (self time)", "package", [...byGroup], busy, 30);
  table(`Top ${o.top} functions (self time)`, "function (file:line)", [...byFunction], busy, o.top);
  table(`Top ${o.top} files (self time)`, "file", [...byFile], busy, o.top);
  table("Paths, inclusive (a sample counts when any frame of the path is on its stack)", "path", [...inclusivePath], busy, 10);
  table("Libraries, inclusive (time with the library anywhere on the stack, callees included)", "library", [...inclusiveLibrary], busy, 30);
  table("Our files, inclusive (time with the file anywhere on the stack)", "file", [...inclusiveOurFile], busy, o.top);
  table(`Top ${o.top} functions, inclusive`, "function (file:line)", [...inclusiveFunction].filter(([k]) => !k.startsWith("(")), busy, o.top);
}

main();
