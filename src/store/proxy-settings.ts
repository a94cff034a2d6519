/**
 * What the parallel system behind the proxy told the proxy, kept in `bot_state` so a restart of
 * Switchboard keeps it as Telegram keeps it: its webhook (URL, secret, connections) and the update
 * kinds it asked for (`allowed_updates` of its last setWebhook or getUpdates).
 */
import type { Db } from "./schema.ts";

/** The parallel system's webhook as it set it. */
export interface ProxyWebhook {
  /** The URL as given (getWebhookInfo reports it so); parsed again where it is used. */
  url: string;
  secret?: string;
  /** Telegram's `max_connections`: posts in flight at once, each for another chat. */
  maxConnections: number;
}

const webhookKey = "proxy_webhook";
const allowedKey = "proxy_allowed_updates";

async function read(db: Db, botId: string, key: string): Promise<string | undefined> {
  const row = await db.selectFrom("bot_state").select("value").where("bot_id", "=", botId).where("key", "=", key).executeTakeFirst();
  return row?.value;
}

async function write(db: Db, botId: string, key: string, value: string | undefined): Promise<void> {
  await db.deleteFrom("bot_state").where("bot_id", "=", botId).where("key", "=", key).execute();
  if (value !== undefined) await db.insertInto("bot_state").values({ bot_id: botId, key, value }).execute();
}

/** The stored webhook, if any (stores from before `maxConnections` existed get Telegram's default, 40). */
export async function loadProxyWebhook(db: Db, botId: string): Promise<ProxyWebhook | undefined> {
  const value = await read(db, botId, webhookKey);
  if (value === undefined) return undefined;
  const stored = JSON.parse(value) as Partial<ProxyWebhook> & { url: string };
  return { ...stored, maxConnections: stored.maxConnections ?? 40 };
}

/** Stores (or, with undefined, removes) the webhook. */
export async function saveProxyWebhook(db: Db, botId: string, webhook: ProxyWebhook | undefined): Promise<void> {
  await write(db, botId, webhookKey, webhook === undefined ? undefined : JSON.stringify(webhook));
}

/** The update kinds the parallel system asked for; undefined: Telegram's default. */
export async function loadAllowedUpdates(db: Db, botId: string): Promise<readonly string[] | undefined> {
  const value = await read(db, botId, allowedKey);
  return value === undefined ? undefined : (JSON.parse(value) as string[]);
}

/** Stores the kinds asked for (undefined: back to Telegram's default). */
export async function saveAllowedUpdates(db: Db, botId: string, kinds: readonly string[] | undefined): Promise<void> {
  await write(db, botId, allowedKey, kinds === undefined ? undefined : JSON.stringify(kinds));
}
