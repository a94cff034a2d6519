/**
 * Start-up calls that must get through before a bot runs: getMe (who are we?) and, in webhook
 * mode, setWebhook. Transient failures are retried through `telegramRetry` (a 429 waits
 * `retry_after`, the rest back off up to 30 s); a wrong token or a refused request fails at once
 * with a message that says what to fix.
 */
import type { UserFromGetMe } from "@grammyjs/types";
import * as Data from "effect/Data";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import type { Logger } from "../util/log.ts";
import { allowedUpdates, type UpdateKind } from "./allowed-updates.ts";
import type { TelegramClient } from "./client.ts";
import { isRetryable, type TelegramError } from "./errors.ts";
import { telegramRetry } from "./retry.ts";

/** A bot cannot start for a reason retrying will not fix; `message` names the bot and the cause. */
export class ConnectError extends Data.TaggedError("ConnectError")<{ readonly message: string }> {}

/** Who the bot is and where it talks to Telegram, for the messages. */
export interface ConnectOptions {
  readonly client: TelegramClient;
  readonly botId: string;
  readonly log: Logger;
}

/** getMe, retried until Telegram answers; 401 and other 4xx fail at once. */
export const connect = (o: ConnectOptions): Effect.Effect<UserFromGetMe, ConnectError> =>
  o.client.call("getMe").pipe(
    Effect.retry(telegramRetry<TelegramError>({
      while: (e) => e._tag !== "Unauthorized" && e._tag !== "BadRequest",
      onRetry: (e, wait) =>
        Effect.sync(() => o.log.warn("cannot reach Telegram yet; retrying", { api_root: o.client.apiRoot, error: e._tag, ...(e._tag === "NetworkError" ? { reason: e.reason } : {}), in_ms: Duration.toMillis(wait) })),
    })),
    Effect.mapError((e) =>
      new ConnectError({
        message: e._tag === "Unauthorized"
          ? `bot "${o.botId}": Telegram rejected the token (401 Unauthorized) at ${o.client.apiRoot}`
          : `bot "${o.botId}": getMe failed: ${"description" in e ? e.description : e._tag}`,
      })
    ),
  );

/** Where Telegram should post updates. */
export interface SetWebhookOptions extends ConnectOptions {
  readonly url: string;
  readonly secret?: string;
  /** Retries of a transient failure before giving up; default 5. */
  readonly times?: number;
  /** The update kinds asked for; Switchboard's own by default (see allowed-updates.ts). */
  readonly allowedUpdates?: readonly UpdateKind[];
}

/** setWebhook, with transient failures (network, 5xx, 429) retried a few times with backoff. */
export const setWebhook = (o: SetWebhookOptions): Effect.Effect<void, ConnectError> =>
  o.client.call("setWebhook", { url: o.url, ...(o.secret !== undefined ? { secret_token: o.secret } : {}), allowed_updates: [...(o.allowedUpdates ?? allowedUpdates)] }).pipe(
    Effect.retry(telegramRetry<TelegramError>({
      times: o.times ?? 5,
      while: isRetryable,
      onRetry: (e, wait) => Effect.sync(() => o.log.warn("setWebhook failed; retrying", { error: e._tag, ...(e._tag === "NetworkError" ? { reason: e.reason } : {}), in_ms: Duration.toMillis(wait) })),
    })),
    Effect.mapError((e) => new ConnectError({ message: `bot "${o.botId}": setWebhook failed: ${"description" in e ? e.description : e._tag}` })),
    Effect.asVoid,
  );
