/**
 * The parallel system's setWebhook, deleteWebhook and getWebhookInfo, answered by the proxy as
 * the Bot API server answers them (Telegram keeps Switchboard's own webhook or polling): checked
 * parameters with Telegram's error texts, "already set" when nothing changes, `drop_pending_updates`
 * forgetting what is queued, `allowed_updates` kept, and getWebhookInfo reporting the queue and
 * the last refusal as they are.
 */
import * as Effect from "effect/Effect";
import { type ProxyWebhook, saveProxyWebhook } from "../../store/proxy-settings.ts";
import { countProxyUpdates, dropProxyUpdates } from "../../store/proxy-updates.ts";
import type { Db } from "../../store/schema.ts";
import { query, type StoreError } from "../../store/store.ts";
import type { Logger } from "../../util/log.ts";
import type { AllowedUpdates } from "./allowed-updates.ts";
import type { RawParams } from "./params.ts";
import type { WebhookPusher } from "./pusher.ts";
import { readWebhookRequest } from "./webhook-params.ts";

/** An answer in Telegram's shape, with its HTTP status. */
export interface MethodAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** What the three methods need. */
export interface WebhookMethodsOptions {
  readonly db: Db;
  readonly botId: string;
  readonly log: Logger;
  readonly pusher: WebhookPusher;
  readonly allowed: AllowedUpdates;
  /** A webhook was set: a waiting long poll ends with this 409, as on Telegram. */
  readonly onSet: (answer: { ok: false; error_code: 409; description: string }) => Effect.Effect<void>;
}

/** See the module comment. */
export interface WebhookMethods {
  /** setWebhook or deleteWebhook (`method` in lower case). */
  change(method: "setwebhook" | "deletewebhook", params: RawParams): Effect.Effect<MethodAnswer, StoreError>;
  /** getWebhookInfo. */
  readonly info: Effect.Effect<MethodAnswer, StoreError>;
}

const done = (description: string): MethodAnswer => ({ status: 200, body: { ok: true, result: true, description } });
const same = (a: ProxyWebhook | undefined, b: ProxyWebhook | undefined) =>
  a === b || (a !== undefined && b !== undefined && a.url === b.url && a.secret === b.secret && a.maxConnections === b.maxConnections);

/** The methods of one bot's proxy. */
export const makeWebhookMethods = (o: WebhookMethodsOptions): WebhookMethods => ({
  change: (method, params) =>
    Effect.gen(function* () {
      const request = readWebhookRequest(method, params);
      if (!request.ok) return { status: 400, body: { ok: false, error_code: 400, description: request.description } };
      const { webhook, dropPending } = request;
      const before = yield* o.pusher.webhook;
      if (same(before, webhook) && !dropPending) {
        yield* o.allowed.apply(params);
        return done(webhook ? "Webhook is already set" : "Webhook is already deleted");
      }
      // The old webhook's lanes stop before anything queued is dropped or pushed elsewhere.
      yield* o.pusher.set(undefined, false);
      if (dropPending) {
        const dropped = yield* query("drop the parallel system's pending updates", () => dropProxyUpdates(o.db, o.botId));
        o.log.info("the parallel system dropped its pending updates", { method, dropped });
      }
      if (webhook) yield* o.allowed.apply(params);
      yield* query("save the parallel system's webhook", () => saveProxyWebhook(o.db, o.botId, webhook));
      yield* o.pusher.set(webhook, true);
      if (!webhook) return done(before ? "Webhook was deleted" : "Webhook is already deleted");
      yield* o.onSet({ ok: false, error_code: 409, description: "Conflict: terminated by setWebhook request" });
      o.log.info("the parallel system set its webhook", { url: webhook.url, max_connections: webhook.maxConnections });
      return done("Webhook was set");
    }),

  info: Effect.gen(function* () {
    const webhook = yield* o.pusher.webhook;
    const lastError = yield* o.pusher.lastError;
    const allowed = yield* o.allowed.current;
    const pending = yield* query("count the parallel system's pending updates", () => countProxyUpdates(o.db, o.botId));
    return {
      status: 200,
      body: {
        ok: true,
        result: {
          url: webhook?.url ?? "",
          has_custom_certificate: false,
          pending_update_count: pending,
          ...(lastError ? { last_error_date: lastError.date, last_error_message: lastError.message } : {}),
          ...(webhook ? { max_connections: webhook.maxConnections } : {}),
          ...(allowed ? { allowed_updates: allowed } : {}),
        },
      },
    };
  }),
});
