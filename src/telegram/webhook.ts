/**
 * The webhook receiver: a plain `node:http` server (Node and Deno both provide it). A request
 * is answered 200 only after its update is committed to the inbox; Telegram re-sends anything
 * not answered 2xx. Requests without the configured secret header are refused with 401.
 */
import { createServer, type Server } from "node:http";
import type { Update } from "@grammyjs/types";
import type { Logger } from "../util/log.ts";

/** Settings of a webhook receiver. */
export interface WebhookOptions {
  host: string;
  port: number;
  path: string;
  secret?: string;
  log: Logger;
  accept: (updates: Update[]) => Promise<void>;
}

/** A running receiver. */
export interface WebhookServer {
  readonly port: number;
  close(): Promise<void>;
}

const maxBody = 10 * 1024 * 1024;

/** Starts listening; resolves once the port is bound. */
export function startWebhookServer(o: WebhookOptions): Promise<WebhookServer> {
  const server: Server = createServer((req, res) => {
    const answer = (status: number, text: string) => {
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(text);
    };
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "POST" || path !== o.path) return answer(404, "not found");
    if (o.secret !== undefined && req.headers["x-telegram-bot-api-secret-token"] !== o.secret) {
      o.log.warn("webhook request with a wrong or missing secret token refused", { from: req.socket.remoteAddress });
      return answer(401, "unauthorized");
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBody) req.destroy();
      else chunks.push(chunk);
    });
    req.on("end", () => {
      let update: Update;
      try {
        update = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        if (typeof update?.update_id !== "number") throw new Error("no update_id");
      } catch (error) {
        o.log.warn("webhook body is not an update; ignored", { error: String(error) });
        return answer(400, "bad update");
      }
      o.accept([update]).then(
        () => answer(200, "ok"),
        (error) => {
          o.log.error("could not save a webhook update; Telegram will retry", { error: String(error) });
          answer(500, "retry");
        },
      );
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => {
      const address = server.address();
      resolve({
        port: typeof address === "object" && address ? address.port : o.port,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}
