/**
 * Where a run allocated: reads a `.heapprofile` written by `bench/alloc-sample.mjs` and prints
 * the bytes sampled by package, the functions that allocated most themselves, and our own
 * functions with what they and their callees allocated. Bundle frames are named by function
 * and bundle line (the bundle is `node_modules/.cache/switchboard/cli-*.mjs`).
 *
 *   npx tsx bench/alloc-summary.ts /tmp/alloc/alloc-PID.heapprofile [--top 40]
 */
import { readFileSync } from "node:fs";

interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: Node[];
}

const [file, ...rest] = process.argv.slice(2);
if (!file) throw new Error("usage: alloc-summary.ts FILE.heapprofile [--top N]");
const top = rest[0] === "--top" ? Number(rest[1]) : 40;
const root = (JSON.parse(readFileSync(file, "utf8")) as { head: Node }).head;

const packageOf = (url: string): string => {
  if (!url) return "(native)";
  if (url.includes("/.cache/switchboard/")) return "our code (bundle)";
  if (url.includes("alloc-sample.mjs")) return "(the sampler)";
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  return m ? m[1] : url.startsWith("node:") ? "node" : url;
};
const keyOf = (n: Node) => `${n.callFrame.functionName || "(anonymous)"} (${packageOf(n.callFrame.url)}:${n.callFrame.lineNumber + 1})`;
// The sampler's own work: its inspector session and its file writes.
const isSampler = (n: Node) => packageOf(n.callFrame.url) === "(the sampler)" || n.callFrame.url === "node:inspector";

const sizes = new Map<Node, number>();
const sizeOf = (n: Node): number => {
  let s = sizes.get(n);
  if (s === undefined) sizes.set(n, (s = n.selfSize + n.children.reduce((t, c) => t + sizeOf(c), 0)));
  return s;
};
const byPackage = new Map<string, number>();
const bySelf = new Map<string, number>();
const byInclusive = new Map<string, number>();
let total = 0;
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
const walk = (n: Node, onStack: Set<string>) => {
  if (isSampler(n)) return;
  const key = keyOf(n);
  total += n.selfSize;
  add(byPackage, packageOf(n.callFrame.url), n.selfSize);
  add(bySelf, key, n.selfSize);
  if (!onStack.has(key) && packageOf(n.callFrame.url) === "our code (bundle)") add(byInclusive, key, sizeOf(n));
  const next = new Set(onStack).add(key);
  for (const c of n.children) walk(c, next);
};
walk(root, new Set());

const mb = (b: number) => (b / 1e6).toFixed(1);
const table = (title: string, m: Map<string, number>, n: number) => {
  console.log(`\n### ${title}\n\n| | MB | share |\n|---|---:|---:|`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`| ${k} | ${mb(v)} | ${((v / total) * 100).toFixed(1)} % |`);
};
console.log(`## ${file}\n\n${mb(total)} MB sampled (the sampler's own allocations left out)`);
table("By package (self)", byPackage, 12);
table(`Top ${top} functions (self)`, bySelf, top);
table(`Our functions, with their callees (top ${top})`, byInclusive, top);
