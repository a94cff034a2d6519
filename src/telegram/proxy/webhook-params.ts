/**
 * setWebhook's (and deleteWebhook's) parameters checked as the Bot API server checks them, with
 * its error texts: a URL it can parse (webhook-url.ts), a `secret_token` of at most 256 of
 * `A-Za-z0-9_-`, `max_connections` clamped to 1-100 (default 40), and `drop_pending_updates`
 * read as Telegram reads a boolean. deleteWebhook is setWebhook without a URL.
 */
import type { ProxyWebhook } from "../../store/proxy-settings.ts";
import type { RawParams } from "./params.ts";
import { parseWebhookUrl } from "./webhook-url.ts";

/** What a setWebhook call asks for, or Telegram's description of why it is refused. */
export type WebhookRequest =
  | { readonly ok: true; readonly webhook: ProxyWebhook | undefined; readonly dropPending: boolean }
  | { readonly ok: false; readonly description: string };

/** A parameter as the text Telegram reads (JSON numbers and booleans arrive as values). */
function text(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** Telegram's booleans: "true", "yes" or "1", in any case. */
const flag = (value: unknown) => ["true", "yes", "1"].includes(text(value).trim().toLowerCase());

/** An integer as Telegram reads one (leading digits; nothing readable is 0), clamped. */
function clamped(value: unknown, fallback: number, min: number, max: number): number {
  const raw = text(value).trim();
  const n = raw === "" ? fallback : Number.parseInt(raw, 10) || 0;
  return Math.min(max, Math.max(min, n));
}

/** Reads a setWebhook (`method` "setwebhook") or deleteWebhook call. */
export function readWebhookRequest(method: "setwebhook" | "deletewebhook", params: RawParams): WebhookRequest {
  const dropPending = flag(params.drop_pending_updates);
  const url = method === "setwebhook" ? text(params.url) : "";
  if (url === "") return { ok: true, webhook: undefined, dropPending };
  if (!parseWebhookUrl(url)) return { ok: false, description: "Bad Request: invalid webhook URL specified" };
  const secret = text(params.secret_token);
  if (secret.length > 256) return { ok: false, description: "Bad Request: secret token is too long" };
  if (!/^[A-Za-z0-9_-]*$/.test(secret)) return { ok: false, description: "Bad Request: secret token contains unallowed characters" };
  const maxConnections = clamped(params.max_connections, 40, 1, 100);
  return { ok: true, webhook: { url, maxConnections, ...(secret !== "" ? { secret } : {}) }, dropPending };
}
