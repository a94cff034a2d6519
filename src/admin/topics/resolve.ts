/** Finding what a Topics API path names: the bot (404 unknown, 503 not started yet) and the dialog (404). */
import * as Effect from "effect/Effect";
import type { BotConfig } from "../../config/mod.ts";
import type { RunningBot } from "../../pipeline/bot.ts";
import { dialogOfChat, dialogOfTopic, type DialogRow } from "../../store/dialogs.ts";
import { query } from "../../store/store.ts";
import type { AdminContext } from "../context.ts";
import { type ApiError, fail } from "./errors.ts";

/**
 * What the API needs of a bot: who it is, its synthetic ids, its inbox, its topics' titles. The
 * running bot here offers it, and with several instances so does this instance's front of a bot
 * another instance owns (cluster/front.ts), which writes into the shared inbox for the owner.
 */
export type ApiRunner = Pick<RunningBot, "id" | "me" | "nextUpdateId" | "topicTitleOf"> & { readonly inbox: Pick<RunningBot["inbox"], "accept"> };

/** A bot the API may act for. */
export interface ApiBot {
  readonly config: BotConfig;
  readonly running: ApiRunner;
}

/** The bot `id`, started. */
export const botNamed = (ctx: AdminContext, id: string) =>
  Effect.gen(function* () {
    const config = ctx.bots.find((b) => b.id === id);
    if (config === undefined) return yield* fail(404, `no bot "${id}" in the configuration (bots: ${ctx.bots.map((b) => b.id).join(", ")})`);
    const here: ApiRunner | undefined = ctx.running().find((b) => b.id === id);
    // Several instances: a bot owned elsewhere is served through this instance's front of it.
    const running = here ?? (ctx.front ? yield* ctx.front(id) : undefined);
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
