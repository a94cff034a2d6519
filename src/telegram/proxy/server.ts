/**
 * Proxy mode: the parallel system (n8n, grammY, Telegraf, aiogram, python-telegram-bot …) sets
 * its Bot API base URL to this server. Its calls are forwarded to `api_root` and Telegram's
 * answers returned unchanged; what it sends to users is recorded as intercepted. It receives
 * updates from Switchboard's own stream (getUpdates with its own offset, or its webhook), so
 * Switchboard stays the only poller of the token and both sides see every user update.
 * Only the bot's own token is accepted; the operators' group is never shown to it.
 */
import type { Message } from "@grammyjs/types";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Db } from "../../store/open.ts";
import type { Logger } from "../../util/log.ts";
import { interceptedEdits, interceptedMessages } from "./intercepted.ts";
import { intParam, listParam, readParams } from "./params.ts";
import { loadProxyWebhook, saveProxyWebhook, WebhookPusher } from "./pusher.ts";
import { ProxyStream } from "./stream.ts";

/** Settings of a proxy. */
export interface ProxyOptions {
  host: string;
  port: number;
  token: string;
  apiRoot: string;
  db: Db;
  botId: string;
  log: Logger;
  /** Records a message the parallel system sent to a user (durably, before answering it). */
  onIntercepted(chatId: number, message: Message, edited: boolean): Promise<void>;
}

/** A running proxy. */
export interface ProxyServer {
  readonly port: number;
  readonly stats: { forwarded: number; intercepted: number; served: number };
  /** New updates were queued for the parallel system. */
  notify(): void;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

const readBody = (req: IncomingMessage) =>
  new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });

/** Starts the proxy; resolves once it listens. */
export async function startProxy(o: ProxyOptions): Promise<ProxyServer> {
  const stream = new ProxyStream(o.db, o.botId);
  const pusher = new WebhookPusher(o.db, o.botId, o.log);
  pusher.set(await loadProxyWebhook(o.db, o.botId));
  const stats = { forwarded: 0, intercepted: 0, served: 0 };
  const root = o.apiRoot.replace(/\/+$/, "");

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://proxy");
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!match) return json(res, 404, { ok: false, error_code: 404, description: "Not Found" });
    const [, token, method] = match;
    if (token !== o.token) return json(res, 401, { ok: false, error_code: 401, description: "Unauthorized" });
    const body = await readBody(req);
    const params = await readParams(url, req.headers["content-type"], body);
    const name = method.toLowerCase();

    if (name === "getupdates") {
      if (pusher.webhook) return json(res, 409, { ok: false, error_code: 409, description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first" });
      stream.allow(listParam(params, "allowed_updates"));
      const answer = await stream.getUpdates(intParam(params, "offset"), Math.min(100, Math.max(1, intParam(params, "limit") ?? 100)), Math.min(50, intParam(params, "timeout") ?? 0));
      if (answer.ok) stats.served += answer.result.length;
      return json(res, answer.ok ? 200 : answer.error_code, answer);
    }
    // Webhook calls of the parallel system are honoured here: Telegram keeps Switchboard's own.
    if (name === "setwebhook") {
      const hook = typeof params.url === "string" && params.url !== "" ? { url: params.url, ...(typeof params.secret_token === "string" ? { secret: params.secret_token } : {}) } : undefined;
      stream.allow(listParam(params, "allowed_updates"));
      await saveProxyWebhook(o.db, o.botId, hook);
      pusher.set(hook);
      if (hook) stream.terminate({ ok: false, error_code: 409, description: "Conflict: terminated by setWebhook request" });
      return json(res, 200, { ok: true, result: true, description: hook ? "Webhook was set" : "Webhook was deleted" });
    }
    if (name === "deletewebhook") {
      await saveProxyWebhook(o.db, o.botId, undefined);
      pusher.set(undefined);
      return json(res, 200, { ok: true, result: true, description: "Webhook was deleted" });
    }
    if (name === "getwebhookinfo") {
      const pending = await o.db.selectFrom("proxy_updates").select(o.db.fn.countAll<number>().as("n")).where("bot_id", "=", o.botId).executeTakeFirst();
      return json(res, 200, {
        ok: true,
        result: {
          url: pusher.webhook?.url ?? "", has_custom_certificate: false, pending_update_count: Number(pending?.n ?? 0),
          ...(pusher.lastError ? { last_error_date: pusher.lastError.date, last_error_message: pusher.lastError.message } : {}),
        },
      });
    }
    return forward(req, res, method, body, params);
  }

  async function forward(req: IncomingMessage, res: ServerResponse, method: string, body: Uint8Array, params: Record<string, unknown>): Promise<void> {
    let answer: Response;
    try {
      answer = await fetch(`${root}/bot${o.token}/${method}${req.url?.includes("?") ? req.url.slice(req.url.indexOf("?")) : ""}`, {
        method: req.method,
        headers: req.headers["content-type"] ? { "content-type": req.headers["content-type"] } : {},
        body: req.method === "GET" || req.method === "HEAD" ? undefined : (body as BodyInit),
      });
    } catch (error) {
      o.log.warn("proxy could not reach Telegram", { method, error: String(error) });
      return json(res, 502, { ok: false, error_code: 502, description: "Bad Gateway" });
    }
    stats.forwarded += 1;
    const text = await answer.text();
    try {
      const parsed = JSON.parse(text) as { ok?: boolean; result?: unknown };
      if (parsed.ok) {
        // Recorded before the answer goes back: once the other system knows, so do we.
        for (const message of interceptedMessages(method, params, parsed.result)) {
          await o.onIntercepted(message.chat.id, message, false);
          stats.intercepted += 1;
        }
        for (const message of interceptedEdits(method, parsed.result)) await o.onIntercepted(message.chat.id, message, true);
      }
    } catch (error) {
      o.log.warn("proxy could not record an intercepted message", { method, error: String(error) });
    }
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
    res.end(text);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      o.log.error("proxy request failed", { url: req.url?.replace(o.token, "***"), error: String(error) });
      if (!res.headersSent) json(res, 500, { ok: false, error_code: 500, description: "Internal Server Error" });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : o.port,
    stats,
    notify() {
      stream.notify();
      pusher.notify();
    },
    async close() {
      pusher.stop();
      stream.terminate({ ok: false, error_code: 502, description: "Bad Gateway" });
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
