/** Finding what a Topics API path names: the bot (404 unknown, 503 not started yet) and the dialog (404). */
import * as Effect from "effect/Effect";
import type { BotConfig } from "../../config/mod.ts";
import type { RunningBot } from "../../pipeline/bot.ts";
import { dialogOfChat, dialogOfTopic, type DialogRow } from "../../store/dialogs.ts";
import { query } from "../../store/store.ts";
import type { AdminContext } from "../context.ts";
import { type ApiError, fail } from "./errors.ts";

/** A bot the API may act for. */
export interface ApiBot {
  readonly config: BotConfig;
  readonly running: RunningBot;
}

/** The bot `id`, started. */
export const botNamed = (ctx: AdminContext, id: string) =>
  Effect.gen(function* () {
    const config = ctx.bots.find((b) => b.id === id);
    if (config === undefined) return yield* fail(404, `no bot "${id}" in the configuration (bots: ${ctx.bots.map((b) => b.id).join(", ")})`);
    const running = ctx.running().find((b) => b.id === id);
    const owned = ctx.owned?.();
    if (running === undefined && owned !== undefined && !owned.includes(id)) {
      return yield* fail(503, `bot "${id}" runs on another instance now: ask that one (switchboard status names it)`);
    }
    if (running === undefined) return yield* fail(503, `bot "${id}" is not started yet (connecting to Telegram)`);
    return { config, running } satisfies ApiBot;
  });

/** How a path names a dialog: by the user's (or monitored chat's) id, or by its topic. */
export type DialogAddress = { readonly by: "users" | "topics"; readonly id: number };

/** The dialog at `address`, or undefined when a user id names no dialog yet. */
export const findDialog = (ctx: AdminContext, bot: ApiBot, address: DialogAddress) =>
  query("read a dialog", () => (address.by === "users" ? dialogOfChat(ctx.db, bot.config.id, address.id) : dialogOfTopic(ctx.db, bot.config.id, address.id)));

/** The dialog at `address`; 404 when there is none. */
export const dialogAt = (ctx: AdminContext, bot: ApiBot, address: DialogAddress) =>
  Effect.flatMap(findDialog(ctx, bot, address), (row): Effect.Effect<DialogRow, ApiError> =>
    row === undefined
      ? fail(404, address.by === "users" ? `bot "${bot.config.id}" has no dialog with user ${address.id}` : `bot "${bot.config.id}" has no dialog in topic ${address.id}`)
      : Effect.succeed(row)
  );
