/** What the admin routes may look at: the store, the configured bots and the ones started so far. */
import type { BotConfig } from "../config/mod.ts";
import type * as Effect from "effect/Effect";
import type { RunningBot } from "../pipeline/bot.ts";
import type { StoreError } from "../store/errors.ts";
import type { ApiRunner } from "./topics/resolve.ts";
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
  /**
   * With several instances, the bots this one owns now (undefined: every bot of the config, as
   * with one instance, or before the leases are sorted out).
   */
  readonly owned?: () => readonly string[] | undefined;
  /**
   * With several instances, the Topics API's way to a bot owned elsewhere (cluster/front.ts):
   * undefined until its owner has connected it once (its identity is then in the store).
   */
  readonly front?: (botId: string) => Effect.Effect<ApiRunner | undefined, StoreError>;
}

/**
 * The bots this instance answers for in `/readyz` and the store gauges of `/metrics`: the ones it
 * owns, so that several instances neither report each other's bots as not started nor publish
 * the same series twice.
 */
export const servedBotIds = (ctx: AdminContext): readonly string[] => {
  const owned = ctx.owned?.();
  return owned === undefined ? ctx.botIds : ctx.botIds.filter((id) => owned.includes(id));
};
