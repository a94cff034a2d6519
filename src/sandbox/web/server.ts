/**
 * The sandbox's web server (`node:http`, so Node and Deno both run it): the page, its modules,
 * the JSON actions (`actions.ts`), media files, and `GET /api/events`, a Server-Sent Events
 * stream that starts with a snapshot and then carries every change (see `types.ts`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { handleAction } from "./actions.ts";
import { placeholderSvg } from "./samples.ts";
import type { SandboxSession } from "./session.ts";
import { staticFile } from "./static.ts";
import type { PageEvent } from "./types.ts";

/** A listening page server. */
export interface PageServer {
  url: string;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of req) text += typeof chunk === "string" ? chunk : decoder.decode(chunk as Uint8Array, { stream: true });
  return text + decoder.decode();
}

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  res.writeHead(status, { "content-type": type, "content-length": bytes.length, "cache-control": "no-cache" });
  res.end(bytes);
}

const json = (res: ServerResponse, status: number, body: unknown) => send(res, status, "application/json", JSON.stringify(body));

const frame = (e: PageEvent) => `event: ${e.kind}\ndata: ${JSON.stringify(e.data)}\n\n`;

async function streamEvents(session: SandboxSession, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const stats = await session.stats();
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  // Snapshot and subscription in one synchronous step: no change can fall between them.
  res.write(frame({ kind: "snapshot", data: session.snapshotWith(stats) }));
  const off = session.onEvent((e) => res.write(frame(e)));
  const ping = setInterval(() => res.write(": ping\n\n"), 15_000);
  const stop = () => {
    off();
    clearInterval(ping);
  };
  req.on("close", stop);
  res.on("close", stop);
}

async function serveMedia(session: SandboxSession, res: ServerResponse, fileId: string): Promise<void> {
  const file = session.core.world.files.get(fileId);
  if (!file) return json(res, 404, { ok: false, error: "no such file" });
  if (file.data) return send(res, 200, file.mimeType ?? "application/octet-stream", new Uint8Array(await file.data.arrayBuffer()));
  send(res, 200, "image/svg+xml", placeholderSvg(file.kind));
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * A page on another site must not drive the sandbox: the Host must be a loopback name (no DNS
 * rebinding), JSON bodies force a CORS preflight we never grant, and an Origin, when sent, must
 * be this server.
 */
function foreign(req: IncomingMessage): boolean {
  const host = String(req.headers.host ?? "");
  if (!LOOPBACK.has(host.replace(/:\d+$/, ""))) return true;
  if (req.method === "GET") return false;
  if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) return true;
  const origin = req.headers.origin;
  return origin !== undefined && origin !== `http://${host}`;
}

async function handle(session: SandboxSession, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://sandbox");
  const path = url.pathname;
  const verb = req.method ?? "GET";
  if (path.startsWith("/api/") && foreign(req)) return json(res, 403, { ok: false, error: "requests must be JSON from the sandbox page" });
  if (verb === "GET" && path === "/api/events") return streamEvents(session, req, res);
  const media = /^\/api\/files\/([A-Za-z0-9_-]+)$/.exec(path);
  if (verb === "GET" && media) return serveMedia(session, res, media[1]);
  if (path.startsWith("/api/")) {
    const answer = await handleAction(session, verb, path, await readBody(req));
    return json(res, answer.status, answer.body);
  }
  const file = verb === "GET" ? staticFile(path) : undefined;
  if (file) return send(res, 200, file.type, file.body);
  json(res, 404, { ok: false, error: `not found: ${path}` });
}

/** Serves the sandbox page for `session` on `host:port` (port 0 = any free port). */
export async function servePage(session: SandboxSession, o: { host?: string; port?: number } = {}): Promise<PageServer> {
  const host = o.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    handle(session, req, res).catch((error) => {
      session.log.error("sandbox page request failed", { url: req.url, error: String(error) });
      if (!res.headersSent) json(res, 500, { ok: false, error: String(error) });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Event streams would hold close() open forever.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
