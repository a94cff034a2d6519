/**
 * When the parallel system calls setWebhook on the proxy, its updates are posted to its URL one
 * at a time, in order, with its secret header, and retried until it answers 2xx — as Telegram
 * does. The webhook settings are kept in `bot_state`, so they survive a restart.
 */
import type { Db } from "../../store/open.ts";
import { confirmProxyUpdates, proxyUpdatesFrom } from "../../store/proxy-updates.ts";
import { backoffMs } from "../../util/backoff.ts";
import type { Logger } from "../../util/log.ts";

/** The parallel system's webhook. */
export interface ProxyWebhook {
  url: string;
  secret?: string;
}

const key = "proxy_webhook";

/** Reads the stored webhook, if any. */
export async function loadProxyWebhook(db: Db, botId: string): Promise<ProxyWebhook | undefined> {
  const row = await db.selectFrom("bot_state").select("value").where("bot_id", "=", botId).where("key", "=", key).executeTakeFirst();
  return row ? (JSON.parse(row.value) as ProxyWebhook) : undefined;
}

/** Stores (or, with undefined, removes) the webhook. */
export async function saveProxyWebhook(db: Db, botId: string, webhook: ProxyWebhook | undefined): Promise<void> {
  await db.deleteFrom("bot_state").where("bot_id", "=", botId).where("key", "=", key).execute();
  if (webhook) await db.insertInto("bot_state").values({ bot_id: botId, key, value: JSON.stringify(webhook) }).execute();
}

/** See the module comment. */
export class WebhookPusher {
  readonly #db: Db;
  readonly #botId: string;
  readonly #log: Logger;
  #webhook: ProxyWebhook | undefined;
  #running = false;
  #wake: (() => void) | undefined;
  #stopped = false;
  /** The last delivery error, for getWebhookInfo. */
  lastError: { date: number; message: string } | undefined;

  constructor(db: Db, botId: string, log: Logger) {
    this.#db = db;
    this.#botId = botId;
    this.#log = log;
  }

  /** The webhook in use, if any. */
  get webhook(): ProxyWebhook | undefined {
    return this.#webhook;
  }

  /** Sets (or clears) the webhook and starts pushing. */
  set(webhook: ProxyWebhook | undefined): void {
    this.#webhook = webhook;
    this.notify();
  }

  /** New updates (or a new webhook): push them. */
  notify(): void {
    if (this.#wake) this.#wake();
    else if (!this.#running && this.#webhook && !this.#stopped) void this.#loop();
  }

  /** Stops pushing; queued updates stay for the next start. */
  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  async #loop(): Promise<void> {
    this.#running = true;
    let failures = 0;
    try {
      while (this.#webhook && !this.#stopped) {
        const [update] = await proxyUpdatesFrom(this.#db, this.#botId, 0, 1);
        if (!update) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
          this.#wake = undefined;
          continue;
        }
        const hook = this.#webhook;
        const ok = await fetch(hook.url, {
          method: "POST",
          headers: { "content-type": "application/json", ...(hook.secret ? { "x-telegram-bot-api-secret-token": hook.secret } : {}) },
          body: JSON.stringify(update),
        }).then((r) => r.ok, (e) => {
          this.lastError = { date: Math.floor(Date.now() / 1000), message: String(e) };
          return false;
        });
        if (ok) {
          failures = 0;
          await confirmProxyUpdates(this.#db, this.#botId, update.update_id + 1);
          continue;
        }
        failures += 1;
        const wait = backoffMs(failures, 30_000);
        this.#log.warn("the parallel system's webhook did not accept an update; retrying", { url: hook.url, update_id: update.update_id, in_ms: wait });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wake = undefined;
      }
    } finally {
      this.#running = false;
    }
  }
}
