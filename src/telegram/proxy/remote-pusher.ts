/**
 * The pusher a proxy uses when the parallel system's webhook is fed by another instance (several
 * instances on PostgreSQL: only the bot's owner pushes, so no update is posted from two places).
 * The webhook is the stored one; setting it here restarts the stored retries when asked, and
 * tells the owner, whose pusher (pusher.ts `reload`) takes the new setting up.
 */
import * as Effect from "effect/Effect";
import { loadProxyWebhook } from "../../store/proxy-settings.ts";
import { restartProxyRetries } from "../../store/proxy-updates.ts";
import type { Db } from "../../store/schema.ts";
import { query } from "../../store/store.ts";
import type { WebhookPusher } from "./pusher.ts";

/** See the module comment; `tellOwner` wakes the owner's pusher (cluster/notify.ts). */
export const remotePusher = (db: Db, botId: string, tellOwner: Effect.Effect<void>): WebhookPusher => ({
  // A store that cannot be read answers "no webhook": getUpdates then works, as it would after a restart.
  webhook: Effect.orElseSucceed(query("read the parallel system's webhook", () => loadProxyWebhook(db, botId)), () => undefined),
  // Refusals are seen where the posts are made: the owner's log and its getWebhookInfo.
  lastError: Effect.succeed(undefined),
  set: (_webhook, fresh) =>
    Effect.gen(function* () {
      if (fresh) yield* query("restart retries", () => restartProxyRetries(db, botId));
      yield* tellOwner;
    }),
  queued: () => Effect.void,
  reload: Effect.void,
});
