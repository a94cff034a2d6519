/**
 * `switchboard migrate --from URL --to URL`: moves a deployment into another store — from SQLite
 * to PostgreSQL, typically. Both stores are brought to the newest schema, the core's and every
 * plugin's (the built-ins, and the config's plugins when a config is given), then every table
 * is copied (`store/copy.ts`: resumable, nothing twice) and counted on both sides.
 */
import type { BotConfig } from "./config/mod.ts";
import { migratePlugins } from "./plugins/load.ts";
import { copyStore, type TableCount } from "./store/copy.ts";
import { openStore } from "./store/open.ts";
import { redactUrl } from "./store/postgres.ts";

/** Options of {@link moveDeployment}. */
export interface MoveOptions {
  readonly from: string;
  readonly to: string;
  /** The config's bots, whose plugins' tables must exist on both sides. */
  readonly bots?: readonly BotConfig[];
  /** Where progress and the count check are written, line by line. */
  readonly say: (line: string) => void;
  /** Passed to the copy (tests interrupt it here). */
  readonly onChunk?: (table: string, copied: number) => void | Promise<void>;
}

/** How often a long table reports progress, in rows. */
const PROGRESS_EVERY = 50_000;

const n = (x: number) => x.toLocaleString("en-US");

/**
 * Moves the deployment; resolves to the per-table counts and whether every table matches.
 * Rejects when a store cannot be opened or migrated, or with a `CopyError`.
 */
export async function moveDeployment(o: MoveOptions): Promise<{ counts: TableCount[]; ok: boolean }> {
  o.say(`moving ${redactUrl(o.from)} → ${redactUrl(o.to)}`);
  const source = await openStore(o.from);
  try {
    const target = await openStore(o.to);
    try {
      const plugins = await migratePlugins(source, o.bots);
      await migratePlugins(target, o.bots);
      o.say(`  schema: both stores at the newest migration, plugin tables included (${plugins.join(", ") || "none"})`);
      const width = 24;
      const reported = new Map<string, number>();
      const counts = await copyStore(source, target, {
        sourceName: o.from,
        onChunk: async (table, copied) => {
          if (copied - (reported.get(table) ?? 0) >= PROGRESS_EVERY) {
            reported.set(table, copied);
            o.say(`  ${table.padEnd(width)} ${n(copied)} rows so far…`);
          }
          await o.onChunk?.(table, copied);
        },
        onTable: (table, copied, resumed) => o.say(`  ${table.padEnd(width)} ${n(copied)} rows${resumed ? " (continued from an earlier run)" : ""}`),
      });
      o.say("count check (source → target):");
      for (const c of counts) o.say(`  ${c.table.padEnd(width)} ${n(c.source).padStart(10)} → ${n(c.target).padEnd(10)} ${c.source === c.target ? "ok" : "MISMATCH"}`);
      const bad = counts.filter((c) => c.source !== c.target);
      if (bad.length === 0) o.say(`OK: all ${counts.length} tables match. Point \`storage\` at ${redactUrl(o.to)} and start Switchboard.`);
      else o.say(`MISMATCH in ${bad.length} table(s): ${bad.map((c) => c.table).join(", ")}. Was Switchboard still running on the source? Stop it, drop the target database and copy again.`);
      return { counts, ok: bad.length === 0 };
    } finally {
      await target.destroy();
    }
  } finally {
    await source.destroy();
  }
}
