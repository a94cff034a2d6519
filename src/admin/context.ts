/** What the admin routes may look at: the store, the configured bots and the ones started so far. */
import type { BotConfig } from "../config/mod.ts";
import type { RunningBot } from "../pipeline/bot.ts";
import type { Db } from "../store/schema.ts";

/** See the module comment. */
export interface AdminContext {
  readonly db: Db;
  /** Every bot of the config, in file order. */
  readonly botIds: readonly string[];
  /** Every bot's configuration, in file order (the Topics API reads `group` and `hide_info`). */
  readonly bots: readonly BotConfig[];
  /** The bots started so far (the listener opens before they connect). */
  readonly running: () => readonly RunningBot[];
  /** `/readyz` is unready while an outbox row is older than this. */
  readonly readyOutboxAgeMs: number;
}
