/**
 * Runs every bot of a config on one store. Used by `switchboard run` and by tests that start
 * Switchboard in-process.
 */
import type { Config } from "./config/mod.ts";
import { type RunningBot, startBot, type StartBotOptions } from "./pipeline/bot.ts";
import { type Db, openStore } from "./store/open.ts";
import { createLogger, type Logger } from "./util/log.ts";

/** A running deployment. */
export interface Running {
  readonly db: Db;
  readonly bots: readonly RunningBot[];
  stop(): Promise<void>;
}

/** Options passed to every bot (tests and benchmarks tune these). */
export type RunOptions = Partial<Omit<StartBotOptions, "db" | "bot" | "log">> & { log?: Logger };

/** Opens the store and starts every bot; if one fails to start, the others are stopped again. */
export async function runConfig(config: Config, options: RunOptions = {}): Promise<Running> {
  const root = options.log ?? createLogger();
  const db = await openStore(config.storage);
  const bots: RunningBot[] = [];
  try {
    for (const [index, bot] of config.bots.entries()) bots.push(await startBot({ ...options, db, bot, index, log: root.child(bot.id) }));
  } catch (error) {
    await Promise.allSettled(bots.map((b) => b.stop()));
    await db.destroy();
    throw error;
  }
  return {
    db,
    bots,
    async stop() {
      await Promise.allSettled(bots.map((b) => b.stop()));
      await db.destroy();
    },
  };
}
