/**
 * Connecting a bot: `getMe`, retried while Telegram cannot be reached (backoff up to 30 s,
 * `retry_after` on a 429), failing at once with a clear message for a wrong token.
 */
import type { UserFromGetMe } from "@grammyjs/types";
import { Duration, Effect, Schedule } from "effect";
import type { BotConfig } from "../config/mod.ts";
import type { TelegramClient } from "../telegram/client.ts";
import type { TelegramError } from "../telegram/errors.ts";
import type { Logger } from "../util/log.ts";
import { BotStartError } from "./start-error.ts";
import { backoff } from "./retry-policy.ts";

/** Errors no retry will fix. */
const isFinal = (e: TelegramError) => e._tag === "Unauthorized" || e._tag === "BadRequest";

/** Waits as Telegram asked after a 429, otherwise as the backoff says. */
const untilReachable = Schedule.identity<TelegramError>().pipe(
  Schedule.zipLeft(backoff("30 seconds")),
  Schedule.modifyDelay((error, delay) => (error._tag === "RateLimited" ? Duration.seconds(error.retryAfter) : delay)),
  Schedule.whileInput((e: TelegramError) => !isFinal(e)),
);

/** getMe until it answers; a wrong token fails with a {@link BotStartError}. */
export const connect = (client: TelegramClient, bot: BotConfig, log: Logger): Effect.Effect<UserFromGetMe, BotStartError> =>
  client.call("getMe").pipe(
    Effect.tapError((e) =>
      isFinal(e) ? Effect.void : Effect.sync(() => log.warn("cannot reach Telegram yet; retrying", { api_root: bot.apiRoot, error: e._tag }))
    ),
    Effect.retry(untilReachable),
    Effect.mapError((e) =>
      e._tag === "Unauthorized"
        ? new BotStartError(`bot "${bot.id}": Telegram rejected the token (401 Unauthorized) at ${bot.apiRoot}`)
        : new BotStartError(`bot "${bot.id}": getMe failed: ${"description" in e ? e.description : e._tag}`)
    ),
  );
