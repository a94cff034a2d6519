/**
 * Defaults of the core's own keys. The parameters' defaults are declared with the parameters, by
 * the built-in plugins (`plugins/<name>/params.ts`).
 */

import type { RateLimits } from "./types.ts";

/** Where state lives when `storage` is not given. */
export const DEFAULT_STORAGE = "sqlite:./data/switchboard.db";

/** Telegram's own Bot API server. */
export const DEFAULT_API_ROOT = "https://api.telegram.org";

/** Where the webhook server listens when `webhook.listen` is not given (8443 is a Telegram webhook port). */
export const DEFAULT_WEBHOOK_LISTEN = "0.0.0.0:8443";

/** Telegram's limits: ~30 messages/s overall, 20/min per group, ~1/s per private chat. */
export const TELEGRAM_LIMITS: RateLimits = { globalPerSecond: 30, groupPerMinute: 20, privatePerSecond: 1 };

/** Where the admin listener listens when `admin.listen` is not given: loopback only. */
export const DEFAULT_ADMIN_LISTEN = "127.0.0.1:8089";

/** `/readyz` turns unready when an outbox row waits longer than this many seconds. */
export const DEFAULT_READY_OUTBOX_AGE_SECONDS = 300;

/** Days analytics keep their detail rows before folding them into per-day totals (`analytics.retention_days`). */
export const DEFAULT_ANALYTICS_RETENTION_DAYS = 90;

/** The `service.name` traces carry when `tracing.service_name` is not given. */
export const DEFAULT_TRACING_SERVICE_NAME = "switchboard";
