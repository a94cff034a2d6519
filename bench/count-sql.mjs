// Counts the SQL statements a Node child runs, by statement text, for bench/relay.ts's
// `BENCH_SQL_COUNTS=DIR` mode. Loaded into the child with
// `BENCH_CHILD_FLAGS="--max-old-space-size=192 --import ./bench/count-sql.mjs"` (plain JS: the child
// runs without a TypeScript loader). On SIGUSR2 it writes the counts so far to DIR/counts-<n>.json;
// the bench signals before and after each burst and prints the difference. Node only.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const dir = process.env.BENCH_SQL_COUNTS;
if (dir) {
  // The same module object the bundle gets from `import Database from "libsql"` (CJS cache).
  const require = createRequire(join(process.cwd(), "package.json"));
  const Database = require("libsql");
  const sqlOf = new WeakMap();
  const counts = new Map();
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function (sql) {
    const statement = prepare.call(this, sql);
    sqlOf.set(statement, sql);
    return statement;
  };
  const probe = new Database(":memory:");
  const Statement = Object.getPrototypeOf(probe.prepare("select 1"));
  probe.close();
  // `all` reads through `iterate`, so counting run/get/iterate counts every execution once.
  for (const method of ["run", "get", "iterate"]) {
    const original = Statement[method];
    Statement[method] = function (...args) {
      const sql = sqlOf.get(this) ?? "(unknown)";
      counts.set(sql, (counts.get(sql) ?? 0) + 1);
      return original.apply(this, args);
    };
  }
  // Wall time per statement text (ms), spent inside libsql's `all` (which iterates) and `run`:
  // which statements the engine's time goes to, not only how often they run.
  const times = new Map();
  for (const method of ["run", "all"]) {
    const original = Statement[method];
    Statement[method] = function (...args) {
      const started = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        const sql = sqlOf.get(this) ?? "(unknown)";
        times.set(sql, (times.get(sql) ?? 0) + performance.now() - started);
      }
    };
  }
  const execOriginal = Database.prototype.exec;
  Database.prototype.exec = function (sql) {
    counts.set(sql, (counts.get(sql) ?? 0) + 1);
    return execOriginal.call(this, sql);
  };
  let n = 0;
  process.on("SIGUSR2", () => {
    // Times first: the bench waits for the counts file, so both are there when it reads.
    writeFileSync(join(dir, `times-${n}.json`), JSON.stringify(Object.fromEntries(times)));
    writeFileSync(join(dir, `counts-${n++}.json`), JSON.stringify(Object.fromEntries(counts)));
  });
}
