/**
 * The bench side of bench/count-sql.mjs: with `BENCH_SQL_COUNTS=DIR` (and the preload in
 * `BENCH_CHILD_FLAGS`), asks the child for its SQL statement counts before and after a phase and
 * reports the difference per 1,000 relayed messages. Without the variable it does nothing.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fmt, sleep, type SwitchboardChild } from "./support.ts";

/** Statement text -> executions, and -> ms spent in the engine (libsql's `run`/`all`). */
export interface SqlCounts {
  counts: Map<string, number>;
  times: Map<string, number>;
}

/** Snapshots taken of each child so far: the child numbers its files from 0. */
const taken = new WeakMap<SwitchboardChild, number>();

/** Takes snapshots of a child's SQL counts, or undefined when counting is off. */
export function sqlCounter(child: SwitchboardChild): { snapshot(): Promise<SqlCounts> } | undefined {
  const dir = process.env.BENCH_SQL_COUNTS;
  if (!dir) return undefined;
  return {
    async snapshot() {
      const n = taken.get(child) ?? 0;
      taken.set(child, n + 1);
      const file = join(dir, `counts-${n}.json`);
      child.child.kill("SIGUSR2");
      for (let waited = 0; !existsSync(file); waited += 20) {
        if (waited > 5_000) throw new Error(`the child wrote no ${file}: is bench/count-sql.mjs in BENCH_CHILD_FLAGS?`);
        await sleep(20);
      }
      const read = (f: string) => new Map(existsSync(f) ? Object.entries(JSON.parse(readFileSync(f, "utf8")) as Record<string, number>) : []);
      return { counts: read(file), times: read(join(dir, `times-${n}.json`)) };
    },
  };
}

/**
 * A statement's shape: `in (?, ?, …)` lists and the extra rows of multi-row `values` collapsed,
 * so that one query with a varying number of parameters counts once (each length is still a
 * separate prepared statement; the line says how many texts it stands for).
 */
const shapeOf = (sql: string): string =>
  sql.replace(/\s+/g, " ").replace(/ in \(\?(?:, \?)*\)/g, " in (?…)").replace(/(\(\?(?:, \?)*\))(?:, \(\?(?:, \?)*\))+/g, "$1, …");

/** Lines describing `after - before` per 1,000 of `messages`: totals, then the busiest statements. */
export function formatSqlCounts(before: SqlCounts, after: SqlCounts, messages: number, top = 16): string[] {
  const shapes = new Map<string, { n: number; texts: number; ms: number }>();
  for (const [sql, count] of after.counts) {
    const n = count - (before.counts.get(sql) ?? 0);
    if (n <= 0) continue;
    const ms = (after.times.get(sql) ?? 0) - (before.times.get(sql) ?? 0);
    const shape = shapes.get(shapeOf(sql)) ?? { n: 0, texts: 0, ms: 0 };
    shapes.set(shapeOf(sql), { n: shape.n + n, texts: shape.texts + 1, ms: shape.ms + ms });
  }
  const rows = [...shapes].sort((a, b) => b[1].n - a[1].n);
  const total = rows.reduce((sum, [, r]) => sum + r.n, 0);
  const begins = rows.filter(([sql]) => /^begin/i.test(sql.trim())).reduce((sum, [, r]) => sum + r.n, 0);
  const texts = rows.reduce((sum, [, r]) => sum + r.texts, 0);
  const ms = rows.reduce((sum, [, r]) => sum + r.ms, 0);
  const per = (n: number) => fmt((n / messages) * 1000, 0);
  return [
    `SQL: ${per(total)} statements and ${per(begins)} transactions per 1,000 messages (${rows.length} shapes, ${texts} distinct texts), ${per(ms)} ms in the engine per 1,000 messages`,
    `    (columns: executions per 1,000 messages, ms in libsql per 1,000 messages)`,
    ...rows.slice(0, top).map(([sql, r]) => `    ${per(r.n).padStart(6)} ${per(r.ms).padStart(5)} ms  ${sql.slice(0, 150)}${r.texts > 1 ? ` [${r.texts} texts]` : ""}`),
  ];
}
