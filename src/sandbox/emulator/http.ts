/**
 * HTTP transport: `POST|GET {url}/bot{TOKEN}/{method}` for the Bot API and `{url}/control/…`
 * for the control API. Uses `node:http`, which Node and Deno both provide.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { errorBody } from "./api.ts";
import { handleControl, isEventsRoute, sseFrame } from "./control.ts";
import type { EmulatorCore } from "./core.ts";
import { ApiError } from "./errors.ts";
import { parseParams } from "./params.ts";

async function readBody(req: IncomingMessage, counted?: EmulatorCore): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of req) {
    chunks.push(typeof chunk === "string" ? new TextEncoder().encode(chunk) : (chunk as Uint8Array));
    if (counted) counted.bodyBytes += chunks[chunks.length - 1].length;
  }
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = { "content-type": "application/json", "content-length": new TextEncoder().encode(text).length };
  // Telegram repeats a 429's retry_after in a Retry-After header.
  const retryAfter = (body as { parameters?: { retry_after?: number } } | null)?.parameters?.retry_after;
  if (retryAfter !== undefined && retryAfter > 0) headers["retry-after"] = retryAfter;
  res.writeHead(status, headers);
  res.end(text);
}

// Cutting the TCP connection is how "the network ate the answer" looks to a client.
function drop(req: IncomingMessage, res: ServerResponse): void {
  req.socket.destroy();
  res.destroy();
}

async function handleBotApi(core: EmulatorCore, req: IncomingMessage, res: ServerResponse, token: string, method: string, url: URL, caller: string | undefined) {
  const ac = new AbortController();
  res.on("close", () => {
    if (!res.writableEnded) ac.abort();
  });
  let raw;
  try {
    raw = await parseParams(req.headers["content-type"], await readBody(req, core), url.searchParams);
  } catch (err) {
    if (err instanceof ApiError) return sendJson(res, err.code, errorBody(err));
    throw err;
  }
  const out = await core.api.call(token, method, raw, ac.signal, caller);
  if (out.kind === "drop") return drop(req, res);
  if (!res.destroyed) sendJson(res, out.status, out.body);
}

// File downloads: uploaded bytes when the file was uploaded, zeros of the announced size otherwise.
// Written in chunks with backpressure; a held download stops after half until released.
async function serveFile(core: EmulatorCore, res: ServerResponse, token: string, path: string): Promise<void> {
  const file = core.world.bots.has(token) ? core.world.files.byPath(path) : undefined;
  if (!file) return sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
  const bytes = file.data ? new Uint8Array(await file.data.arrayBuffer()) : new Uint8Array(file.size);
  res.writeHead(200, { "content-type": file.mimeType ?? "application/octet-stream", "content-length": bytes.length });
  const held = core.holds.takeDownload();
  const half = held ? Math.floor(bytes.length / 2) : bytes.length;
  await writeChunks(res, bytes.subarray(0, half));
  if (held) {
    await held;
    await writeChunks(res, bytes.subarray(half));
  }
  res.end();
}

async function writeChunks(res: ServerResponse, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length && !res.destroyed; at += 64 * 1024) {
    if (!res.write(bytes.subarray(at, at + 64 * 1024))) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off("drain", done);
          res.off("close", done);
          resolve();
        };
        res.on("drain", done);
        res.on("close", done);
      });
    }
  }
}

function streamEvents(core: EmulatorCore, res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  res.write(": connected\n\n");
  const off = core.onChange((e) => res.write(sseFrame(e)));
  res.on("close", off);
}

/** Serves the emulator over HTTP; resolves with its base URL and a close function. */
export async function serve(core: EmulatorCore, host: string, port: number): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://emulator");
    const path = url.pathname;
    // `/c/NAME/bot…`: the same Bot API, with the caller named for the call log.
    const bot = /^(?:\/c\/([^/]+))?\/bot([^/]+)\/([^/]+)\/?$/.exec(path);
    const task = (async () => {
      if (bot) return handleBotApi(core, req, res, decodeURIComponent(bot[2]), bot[3], url, bot[1] && decodeURIComponent(bot[1]));
      const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(path);
      if (file) return serveFile(core, res, decodeURIComponent(file[1]), decodeURIComponent(file[2]));
      if (path === "/control" || path.startsWith("/control/")) {
        const verb = req.method ?? "GET";
        if (isEventsRoute(verb, path)) return streamEvents(core, res);
        const body = new TextDecoder().decode(await readBody(req));
        const answer = handleControl(core, verb, path, url.searchParams, body);
        return sendJson(res, answer.status, answer.body);
      }
      sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
    })();
    task.catch((err) => {
      console.error("[emulator] request failed:", err);
      if (!res.headersSent) sendJson(res, 500, { ok: false, error_code: 500, description: "Internal Server Error" });
    });
  });
  // Long polls must not be cut by Node's default request timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const hostPart = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${hostPart}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive and SSE connections would hold close() open forever.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
