/**
 * Long polling. The offset advances only after the batch is committed to the inbox, so an
 * update Telegram handed over is confirmed only once it is durable (Telegram re-sends anything
 * unconfirmed; the inbox ignores the duplicates). A 409 means another poller or a webhook: it is
 * reported clearly and retried with backoff, never treated as fatal.
 */
import type { Update } from "@grammyjs/types";
import { Duration, Effect } from "effect";
import type { Logger } from "../util/log.ts";
import { backoffMs } from "../util/backoff.ts";
import { allowedUpdates } from "./allowed-updates.ts";
import type { TelegramClient } from "./client.ts";

/** Settings of a poller. */
export interface PollingOptions {
  client: TelegramClient;
  log: Logger;
  /** Highest update id already in the inbox, if any. */
  lastUpdateId: number | undefined;
  /** Saves a batch durably; the poller confirms it to Telegram only after this succeeds. */
  accept: (updates: Update[]) => Promise<void>;
  /** Long-poll timeout in seconds (Telegram allows up to 50). */
  timeoutSeconds?: number;
  /** Called once, after the first successful getUpdates. */
  onConnected?: () => void;
}

/** Runs until interrupted. */
export const poll = (o: PollingOptions) =>
  Effect.gen(function* () {
    const timeout = o.timeoutSeconds ?? 25;
    let offset = o.lastUpdateId === undefined ? undefined : o.lastUpdateId + 1;
    let failures = 0;
    let connected = false;
    // Polling and a webhook exclude each other; switching back from webhook mode needs this.
    yield* o.client.call("deleteWebhook", { drop_pending_updates: false }).pipe(
      Effect.catchAll((e) => Effect.sync(() => o.log.warn("deleteWebhook failed; polling anyway", { error: e._tag }))),
    );
    for (;;) {
      const result = yield* Effect.either(
        // The first call does not wait, so "connected" is logged as soon as Telegram answers.
        o.client.call("getUpdates", { offset, timeout: connected ? timeout : 0, allowed_updates: [...allowedUpdates] }, { timeout: Duration.seconds(timeout + 15) }),
      );
      if (result._tag === "Left") {
        failures += 1;
        const e = result.left;
        const wait = e._tag === "RateLimited" ? e.retryAfter * 1000 : backoffMs(failures, e._tag === "Conflict" ? 60_000 : 30_000);
        if (e._tag === "Conflict") {
          o.log.error("409 Conflict: another process is polling this bot, or a webhook is set. Stop the other instance; retrying", { in_ms: wait, telegram: e.description });
        } else if (e._tag === "Unauthorized") {
          o.log.error("401 Unauthorized: the bot token is wrong or revoked; retrying", { in_ms: wait });
        } else {
          o.log.warn("getUpdates failed; retrying", { error: e._tag, in_ms: wait });
        }
        yield* Effect.sleep(Duration.millis(wait));
        continue;
      }
      failures = 0;
      if (!connected) {
        connected = true;
        o.onConnected?.();
      }
      const updates = result.right;
      if (updates.length === 0) continue;
      const saved = yield* Effect.either(Effect.tryPromise(() => o.accept(updates)));
      if (saved._tag === "Left") {
        // Not confirmed: Telegram will hand the same updates over again.
        o.log.error("could not save updates; they stay unconfirmed at Telegram", { error: String(saved.left.error) });
        yield* Effect.sleep(Duration.seconds(1));
        continue;
      }
      offset = Math.max(...updates.map((u) => u.update_id)) + 1;
    }
  });
