/**
 * The Node Bot API transport's connection pool against real loopback servers (node:http, TLS,
 * and raw sockets for what a misbehaving server does): connections kept and reused, the bound
 * and the queue, the server closing connections, time limits, abandoned calls, and the bytes
 * on the wire.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createNetServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Http1Answer } from "../../src/platform/http1-answer.ts";
import { Http1Pool, type Http1PoolOptions } from "../../src/platform/http1-pool.ts";

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** Listens on loopback; answers the base URL and the connections the server saw. */
async function listen(server: Server | ReturnType<typeof createNetServer>, scheme = "http") {
  const connections: Socket[] = [];
  server.on(scheme === "https" ? "secureConnection" : "connection", (s: Socket) => connections.push(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push({ close: () => (server.close(), connections.forEach((s) => s.destroy())) });
  return { url: new URL(`${scheme}://127.0.0.1:${(server.address() as { port: number }).port}`), connections };
}

/** A node:http server answering through `handle` once the request's body has arrived. */
function httpServer(handle: (req: IncomingMessage, body: string, res: ServerResponse) => void): Server {
  return createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => handle(req, body, res));
  });
}

const pool = (origin: URL, options: Partial<Http1PoolOptions> = {}) => new Http1Pool({ origin, maxConnections: 64, inactivityTimeoutMs: 10_000, ...options });

/** One call as a promise of its answer, or of its error. */
const post = (p: Http1Pool, path: string, json = "{}", deadlineMs?: number) =>
  new Promise<Http1Answer>((resolve, reject) => p.post(path, json, (error, answer) => (error ? reject(error) : resolve(answer!)), deadlineMs));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Http1Pool", () => {
  it("keeps one connection for calls one after another, and sends the request node:http would", async () => {
    const seen: { method?: string; url?: string; headers: IncomingMessage["headers"]; body: string }[] = [];
    const { url, connections } = await listen(httpServer((req, body, res) => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.end(JSON.stringify({ ok: true, result: seen.length }));
    }));
    const p = pool(url);
    for (let i = 1; i <= 20; i++) expect(await post(p, "/bot1:abc/sendMessage", JSON.stringify({ n: i }))).toEqual({ status: 200, text: `{"ok":true,"result":${i}}` });
    expect(connections.length).toBe(1);
    expect(seen[0]).toMatchObject({ method: "POST", url: "/bot1:abc/sendMessage", body: '{"n":1}' });
    expect(seen[0].headers).toMatchObject({ host: url.host, "content-type": "application/json", "content-length": "7" });
  });

  it("writes non-ASCII JSON as UTF-8 with its byte length", async () => {
    const { url } = await listen(httpServer((req, body, res) => res.end(JSON.stringify({ length: req.headers["content-length"], body }))));
    const json = JSON.stringify({ text: "Привет, é 👋" });
    const answer = JSON.parse((await post(pool(url), "/x", json)).text);
    expect(answer).toEqual({ length: String(Buffer.byteLength(json)), body: json });
  });

  it("opens at most maxConnections; calls beyond wait and go in arrival order", async () => {
    const held: ServerResponse[] = [];
    const order: string[] = [];
    const { url, connections } = await listen(httpServer((_req, body, res) => {
      order.push(body);
      held.push(res);
    }));
    const p = pool(url, { maxConnections: 3 });
    const calls = Array.from({ length: 10 }, (_, i) => post(p, "/x", `"${i}"`));
    for (let i = 0; i < 200 && held.length < 3; i++) await sleep(10);
    await sleep(50);
    expect(held.length).toBe(3); // the other 7 wait for a connection
    while (held.length > 0 || order.length < 10) {
      held.shift()?.end("{}");
      await sleep(5);
    }
    await Promise.all(calls);
    expect(connections.length).toBe(3);
    expect(order).toEqual(Array.from({ length: 10 }, (_, i) => `"${i}"`));
  });

  it("a connection the server closed while idle is not used again", async () => {
    // No Keep-Alive hint: the client would keep the connection; the server ends it after the answer.
    const { url, connections } = await listen(createNetServer((socket) => {
      socket.on("data", () => {
        socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
        setTimeout(() => socket.end(), 50);
      });
    }));
    const p = pool(url);
    await post(p, "/x");
    await sleep(300); // the server closed the idle connection meanwhile
    expect(await post(p, "/x")).toEqual({ status: 200, text: "{}" });
    expect(connections.length).toBe(2);
  });

  it("does not reuse a connection whose server keeps idle ones a second or less", async () => {
    const { url, connections } = await listen(httpServer((_req, _body, res) => {
      res.setHeader("keep-alive", "timeout=1");
      res.end("{}");
    }));
    const p = pool(url);
    await post(p, "/x");
    await post(p, "/x");
    expect(connections.length).toBe(2);
  });

  it("closes an idle connection before the server's Keep-Alive timeout would", async () => {
    const closedByClient: number[] = [];
    let answeredAt = 0;
    const { url } = await listen(createNetServer((socket) => {
      socket.on("data", () => {
        answeredAt = Date.now();
        socket.write("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=2\r\nContent-Length: 2\r\n\r\n{}");
      });
      socket.on("end", () => closedByClient.push(Date.now() - answeredAt));
    }));
    await post(pool(url), "/x");
    for (let i = 0; i < 300 && closedByClient.length === 0; i++) await sleep(10);
    expect(closedByClient.length).toBe(1);
    // ~1 s after the answer: before the server's 2 s (a correctness bound, not a speed one).
    expect(closedByClient[0]).toBeLessThan(2_000);
  });

  it("reads chunked answers and answers framed by the close, written in pieces", async () => {
    const { url } = await listen(createNetServer((socket) => {
      socket.on("data", async (request) => {
        const parts = request.toString().includes("/chunked")
          ? ["HTTP/1.1 200 OK\r\nTransfer-", "Encoding: chunked\r\n\r\n4\r\n{\"a", "\"\r\n4\r\n:1}x\r\n0\r\n", "\r\n"]
          : ["HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"b\"", ":2}"];
        for (const part of parts) {
          socket.write(part);
          await sleep(20);
        }
        if (!request.toString().includes("/chunked")) socket.end();
      });
    }));
    const p = pool(url);
    expect(await post(p, "/chunked")).toEqual({ status: 200, text: '{"a":1}x' });
    expect(await post(p, "/closed")).toEqual({ status: 200, text: '{"b":2}' });
  });

  it("a connection dropped mid-answer fails its call, and the pool goes on", async () => {
    let n = 0;
    const { url } = await listen(createNetServer((socket) => {
      socket.on("data", () => {
        n += 1;
        if (n === 1) socket.end("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{\"ok\"");
        else if (n === 2) socket.destroy();
        else socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
      });
    }));
    const p = pool(url);
    await expect(post(p, "/x")).rejects.toThrow(/closed in the middle of the answer/);
    await expect(post(p, "/x")).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(await post(p, "/x")).toEqual({ status: 200, text: "{}" });
  });

  it("a garbled answer fails its call and its connection is dropped", async () => {
    const { url, connections } = await listen(createNetServer((socket) => {
      socket.on("data", (d) => socket.write(d.toString().includes("/bad") ? "NONSENSE\r\n\r\n" : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"));
    }));
    const p = pool(url);
    await expect(post(p, "/bad")).rejects.toThrow(/not an HTTP\/1.x answer/);
    expect(await post(p, "/good")).toEqual({ status: 200, text: "{}" });
    expect(connections.length).toBe(2);
  });

  it("fails a call when the connection is silent past the inactivity timeout", async () => {
    const { url } = await listen(httpServer(() => {}));
    await expect(post(pool(url, { inactivityTimeoutMs: 200 }), "/x")).rejects.toThrow(/no response activity for 0.2 s/);
  });

  it("a call's deadline counts while it waits for a connection, and frees nothing it did not hold", async () => {
    const held: ServerResponse[] = [];
    const { url } = await listen(httpServer((_req, _body, res) => held.push(res)));
    const p = pool(url, { maxConnections: 1 });
    const first = post(p, "/x");
    const waiting = post(p, "/x", "{}", 200);
    await expect(waiting).rejects.toThrow(/timed out after 0.2 s/);
    held[0].end('{"first":true}');
    expect(await first).toEqual({ status: 200, text: '{"first":true}' });
    const third = post(p, "/x");
    for (let i = 0; i < 200 && held.length < 2; i++) await sleep(10);
    expect(held.length).toBe(2); // the timed-out call never reached the server
    held[1].end("{}");
    expect(await third).toEqual({ status: 200, text: "{}" });
  });

  it("a bounded pool gets its connection back after a call ends by its deadline, is abandoned, or is reset on the wire", async () => {
    const held: ServerResponse[] = [];
    const { url } = await listen(httpServer((req, body, res) => {
      if (body === '"reset"') req.socket.destroy();
      else if (body === '"hold"') held.push(res);
      else res.end(body);
    }));
    const p = pool(url, { maxConnections: 1 });
    await expect(post(p, "/x", '"hold"', 200)).rejects.toThrow(/timed out/);
    expect(await post(p, "/x", '"after deadline"')).toEqual({ status: 200, text: '"after deadline"' });
    const abandon = p.post("/x", '"hold"', () => {});
    for (let i = 0; i < 200 && held.length < 2; i++) await sleep(10);
    abandon();
    expect(await post(p, "/x", '"after abandon"')).toEqual({ status: 200, text: '"after abandon"' });
    await expect(post(p, "/x", '"reset"')).rejects.toThrow();
    expect(await post(p, "/x", '"after reset"')).toEqual({ status: 200, text: '"after reset"' });
  });

  it("an abandoned call is not answered, and its connection is closed", async () => {
    const held: ServerResponse[] = [];
    const { url, connections } = await listen(httpServer((_req, _body, res) => held.push(res)));
    const p = pool(url);
    let answered = false;
    const abandon = p.post("/x", "{}", () => (answered = true));
    for (let i = 0; i < 200 && held.length < 1; i++) await sleep(10);
    abandon();
    for (let i = 0; i < 200 && !connections[0].destroyed; i++) await sleep(10);
    expect(connections[0].destroyed).toBe(true);
    held[0].end("{}");
    await sleep(50);
    expect(answered).toBe(false);
  });

  it("a refused connection fails the call with the system's reason", async () => {
    const { url } = await listen(httpServer((_req, _body, res) => res.end("{}")));
    servers.pop()!.close();
    await sleep(50);
    await expect(post(pool(url), "/x")).rejects.toThrow(/ECONNREFUSED/);
  });

  it("refuses a path that would break the request line", async () => {
    const { url } = await listen(httpServer((_req, _body, res) => res.end("{}")));
    await expect(post(pool(url), "/bot x/getMe")).rejects.toThrow(/unescaped characters/);
    await expect(post(pool(url), "/x\r\nhost: evil")).rejects.toThrow(/unescaped characters/);
  });

  it("speaks TLS to an https server, checking its certificate", async () => {
    const dir = new URL("../fixtures/tls/", import.meta.url);
    const key = readFileSync(new URL("localhost-key.pem", dir));
    const cert = readFileSync(new URL("localhost-cert.pem", dir));
    const { url, connections } = await listen(createHttpsServer({ key, cert }, (req, res) => {
      req.resume();
      req.on("end", () => res.end('{"ok":true,"result":"secure"}'));
    }), "https");
    const trusting = pool(new URL(`https://localhost:${url.port}`), { ca: cert });
    expect(await post(trusting, "/x")).toEqual({ status: 200, text: '{"ok":true,"result":"secure"}' });
    expect(await post(trusting, "/x")).toEqual({ status: 200, text: '{"ok":true,"result":"secure"}' });
    expect(connections.length).toBe(1);
    await expect(post(pool(new URL(`https://localhost:${url.port}`)), "/x")).rejects.toThrow(/self[- ]signed|certificate/i);
  });
});
