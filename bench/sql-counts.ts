/**
 * The bench side of bench/count-sql.mjs: with `BENCH_SQL_COUNTS=DIR` (and the preload in
 * `BENCH_CHILD_FLAGS`), asks the child for its SQL statement counts before and after a phase and
 * reports the difference per 1,000 relayed messages. Without the variable it does nothing.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fmt, sleep, type SwitchboardChild } from "./support.ts";

/** Statement text -> executions. */
export type SqlCounts = Map<string, number>;

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
      return new Map(Object.entries(JSON.parse(readFileSync(file, "utf8")) as Record<string, number>));
    },
  };
}

/** Lines describing `after - before` per 1,000 of `messages`: totals, then the busiest statements. */
export function formatSqlCounts(before: SqlCounts, after: SqlCounts, messages: number, top = 12): string[] {
  const diff = [...after].map(([sql, n]) => [sql, n - (before.get(sql) ?? 0)] as const).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const total = diff.reduce((sum, [, n]) => sum + n, 0);
  const begins = diff.filter(([sql]) => /^begin/i.test(sql.trim())).reduce((sum, [, n]) => sum + n, 0);
  const per = (n: number) => fmt((n / messages) * 1000, 0);
  return [
    `SQL: ${per(total)} statements and ${per(begins)} transactions per 1,000 messages (${diff.length} distinct statements)`,
    ...diff.slice(0, top).map(([sql, n]) => `    ${per(n).padStart(6)}  ${sql.replace(/\s+/g, " ").slice(0, 150)}`),
  ];
}
