/**
 * Node's side of the platform seam (`deno.ts` has the same exports; `mod.ts` picks one).
 * The HTTP server is `node:http` behind @effect/platform's `HttpServer`: requests reach the app
 * as `HttpServerRequest`s (web `Request`s underneath, with a body read only if the app reads
 * it), answers are written straight to the socket. @effect/platform-node would bring the same
 * server, plus undici, ws and @effect/cluster/rpc/sql as peers; this file is all Switchboard needs.
 * The Bot API transport is `node:http` with a keep-alive agent: Node 20's `fetch` (undici) costs
 * ~400 µs of CPU per call and allocates heavily; `node:http` is several times cheaper.
 */
import * as Cookies from "@effect/platform/Cookies";
import * as HttpClientResponse from "@effect/platform/HttpClientResponse";
import * as HttpServer from "@effect/platform/HttpServer";
import * as HttpServerError from "@effect/platform/HttpServerError";
import * as HttpServerRequest from "@effect/platform/HttpServerRequest";
import * as HttpServerResponse from "@effect/platform/HttpServerResponse";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import type * as Runtime from "effect/Runtime";
import type * as Scope from "effect/Scope";
import { Agent as HttpAgent, createServer, type IncomingMessage, request as httpRequest, type Server, type ServerResponse } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import {
  bodyOf,
  headersOf as requestHeaders,
  isBodylessStatus,
  type SendRequest,
  streamingBodyOf,
  streamingHeadersOf,
  type StreamingTransport,
  transportError,
} from "./client-request.ts";
import { abortRequest, type ListenOptions, makeRequestRunner, type Respond } from "./request-runner.ts";

/** The runtime this adapter is for. */
export const runtimeName = "node" as const;

/**
 * An `HttpServer` listening on `options` until the scope closes. Closing stops accepting, ends
 * the requests still running (their fibers belong to `serve`'s scope) and drops open sockets.
 */
export const makeHttpServer = (options: ListenOptions): Effect.Effect<HttpServer.HttpServer, HttpServerError.ServeError, Scope.Scope> =>
  Effect.gen(function* () {
    const server = yield* Effect.acquireRelease(Effect.sync(() => createServer()), closeServer);
    yield* Effect.async<void, HttpServerError.ServeError>((resume) => {
      const onError = (cause: Error) => resume(Effect.fail(new HttpServerError.ServeError({ cause })));
      server.once("error", onError);
      server.listen(options.port, options.host, () => {
        server.off("error", onError);
        resume(Effect.void);
      });
    });
    const address = server.address() as AddressInfo;
    return HttpServer.make({
      address: { _tag: "TcpAddress", hostname: address.address, port: address.port },
      serve: (app, middleware) =>
        Effect.gen(function* () {
          const responses = new WeakMap<HttpServerRequest.HttpServerRequest, ServerResponse>();
          const runtime = yield* Effect.runtime<never>();
          const run = yield* makeRequestRunner(app, middleware, respondWith(responses, runtime));
          const onRequest = (req: IncomingMessage, res: ServerResponse) => {
            const body = lazyBody(req);
            const web = toWebRequest(req, body.stream);
            if (!web) {
              // TRACE, CONNECT and the like have no web Request; nothing here serves them.
              res.writeHead(405).end();
              return;
            }
            const request = HttpServerRequest.fromWeb(web).modify({ remoteAddress: req.socket.remoteAddress });
            responses.set(request, res);
            const fiber = run(request);
            res.on("close", () => {
              if (!res.writableEnded) abortRequest(fiber);
            });
            // What the app left unread is drained (not left in the socket: Node would reset the
            // connection, Deno's node:http stall the kept-alive connection 6 s).
            res.on("finish", body.discard);
          };
          yield* Effect.addFinalizer(() => Effect.sync(() => server.off("request", onRequest)));
          server.on("request", onRequest);
        }),
    });
  });

/** `makeHttpServer` as a layer. */
export const httpServerLayer = (options: ListenOptions): Layer.Layer<HttpServer.HttpServer, HttpServerError.ServeError> =>
  Layer.scoped(HttpServer.HttpServer, makeHttpServer(options));

const closeServer = (server: Server) =>
  Effect.async<void>((resume) => {
    if (!server.listening) return resume(Effect.void);
    server.close(() => resume(Effect.void));
    // Kept-alive sockets (and requests that arrived after serving stopped) would hold close() open.
    server.closeAllConnections?.();
  });

/**
 * The request as a web `Request` (the body is pulled from the socket only when read), or
 * undefined for what `Request` refuses (forbidden methods such as TRACE, unparsable targets).
 */
function toWebRequest(req: IncomingMessage, body: ReadableStream<Uint8Array>): Request | undefined {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(key, v);
    else if (value !== undefined) headers.set(key, value);
  }
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  try {
    // Joined, not resolved: a target like "//bot…/getMe" is a path, not a host to go to.
    const target = req.url ?? "/";
    return new Request(new URL(target.startsWith("/") ? `http://localhost${target}` : target), {
      method, headers,
      ...(hasBody ? { body, duplex: "half" } : {}),
    } as RequestInit);
  } catch {
    return undefined;
  }
}

/**
 * A body stream that touches the socket only on the first read. Whatever the app did not read —
 * nothing, or the rest after it stopped at a size limit — is discarded once the answer is sent
 * (`discard`): the connection stays usable, and the client, which may still be sending, gets the
 * answer instead of a reset. (Not Readable's async iterator: giving one up destroys the socket,
 * and its 'readable' listener makes `resume()` a no-op.)
 */
function lazyBody(req: IncomingMessage): { readonly stream: ReadableStream<Uint8Array>; readonly discard: () => void } {
  let reading = false;
  let discarding = false;
  const discard = () => {
    discarding = true;
    req.resume();
  };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!reading) {
        reading = true;
        req.on("data", (chunk: Buffer) => {
          if (discarding) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          req.pause();
        });
        req.once("end", () => discarding || controller.close());
        req.once("error", (error) => discarding || controller.error(error));
      }
      req.resume();
    },
    cancel: discard,
  }, { highWaterMark: 0 });
  return { stream, discard };
}

/** Writes an `HttpServerResponse` to the `ServerResponse` of its request. */
const respondWith = (responses: WeakMap<HttpServerRequest.HttpServerRequest, ServerResponse>, runtime: Runtime.Runtime<never>): Respond =>
  (request, response) =>
    Effect.suspend(() => {
      const res = responses.get(request);
      // A client that went away gets nothing (its request was interrupted: this is the 499).
      if (!res || res.writableEnded || res.destroyed) return Effect.void;
      const body = response.body;
      if (request.method === "HEAD" || body._tag === "Empty" || body._tag === "Uint8Array") {
        res.writeHead(response.status, nodeHeaders(response));
        return end(res, request.method !== "HEAD" && body._tag === "Uint8Array" ? body.body : undefined);
      }
      // Streams, form data and raw bodies: the web conversion knows them all.
      const web = HttpServerResponse.toWeb(response, { runtime });
      res.writeHead(web.status, headersOf(web.headers));
      if (!web.body) return end(res, undefined);
      const source = Readable.fromWeb(web.body as NodeReadableStream<Uint8Array>);
      return Effect.tryPromise((signal) => pipeline(source, res, { signal })).pipe(
        Effect.catchAll(() => Effect.sync(() => res.destroy())),
        Effect.interruptible,
      );
    });

/** Ends the answer; done when it is flushed, or when the connection closed first. */
const end = (res: ServerResponse, bytes: Uint8Array | undefined) =>
  Effect.async<void>((resume) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      res.off("close", finish);
      resume(Effect.void);
    };
    res.once("close", finish);
    res.end(bytes, finish);
  });

/** The headers of an answer, its cookies included, as node:http takes them. */
function nodeHeaders(response: HttpServerResponse.HttpServerResponse): Record<string, string | string[]> {
  if (Cookies.isEmpty(response.cookies)) return response.headers as Record<string, string>;
  return { ...response.headers, "set-cookie": Cookies.toSetCookieHeaders(response.cookies) };
}

function headersOf(headers: Headers): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of headers) if (key !== "set-cookie") out[key] = value;
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) out["set-cookie"] = cookies;
  return out;
}

// Sockets are reused across calls; the pool is bounded so a burst cannot open thousands.
const agents = {
  "http:": new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  "https:": new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
};
// Long polls hold their socket for the whole poll, and every bot of the process has one in
// flight: in the bounded pool, 64 bots' polls would take every socket (all bots share Telegram's
// host), so the other bots' polls and every send would queue behind them for seconds. A bot has
// at most one poll at a time, so this pool is bounded by the number of bots.
const pollAgents = {
  "http:": new HttpAgent({ keepAlive: true }),
  "https:": new HttpsAgent({ keepAlive: true }),
};
const agentFor = (url: URL) => (url.pathname.endsWith("/getUpdates") ? pollAgents : agents)[url.protocol as "http:" | "https:"];

/**
 * The Bot API transport: `node:http` with a keep-alive agent. A call fails when no byte of the
 * answer arrived for `inactivityTimeoutMs` (long polls carry their own, shorter limit).
 */
export const sendRequest = (inactivityTimeoutMs: number): SendRequest => (request, url, signal) =>
  Effect.async((resume) => {
    const fail = (cause: unknown) => resume(Effect.fail(transportError(request, cause)));
    let payload: Uint8Array | undefined;
    try {
      payload = bodyOf(request);
    } catch (error) {
      return fail(error);
    }
    const headers = requestHeaders(request, payload);
    if (payload) headers["content-length"] = String(payload.byteLength);
    const make = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = make(url, { method: request.method, headers, agent: agentFor(url), signal }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", fail);
      res.on("end", () => {
        const responseHeaders = new Headers();
        for (const [key, value] of Object.entries(res.headers)) {
          if (typeof value === "string") responseHeaders.set(key, value);
        }
        const web = new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, headers: responseHeaders });
        resume(Effect.succeed(HttpClientResponse.fromWeb(request, web)));
      });
    });
    req.setTimeout(inactivityTimeoutMs, () => req.destroy(new Error(`no response activity for ${inactivityTimeoutMs / 1000} s`)));
    req.on("error", fail);
    req.end(payload);
    return Effect.sync(() => req.destroy());
  });

/**
 * The proxy's transport: `node:http` on a keep-alive agent of its own, whose connections are not
 * capped (the proxy opens one per call the other system makes, so a slow call never queues
 * another, and the other system cannot use up Switchboard's own pool). Request bodies stream
 * out as they arrive; the answer is handed back at its head, its body read as the caller reads
 * it. `inactivityTimeoutMs` without a byte either way fails the call (or ends its body).
 */
export const streamingTransport = (inactivityTimeoutMs: number): StreamingTransport => {
  const pool = { "http:": new HttpAgent({ keepAlive: true }), "https:": new HttpsAgent({ keepAlive: true }) };
  const send: SendRequest = (request, url, signal) =>
    Effect.flatMap(streamingBodyOf(request), (body) =>
      Effect.async((resume) => {
        const fail = (cause: unknown) => resume(Effect.fail(transportError(request, cause)));
        const headers = streamingHeadersOf(request);
        if (body instanceof Uint8Array) headers["content-length"] = String(body.byteLength);
        const make = url.protocol === "https:" ? httpsRequest : httpRequest;
        // Only until the head arrives: later, ending the body stream is what stops the transfer.
        const onAbort = () => req.destroy(new Error("request aborted"));
        const req = make(url, { method: request.method, headers, agent: pool[url.protocol as "http:" | "https:"] }, (res: IncomingMessage) => {
          signal.removeEventListener("abort", onAbort);
          const status = res.statusCode ?? 502;
          const bodyless = request.method === "HEAD" || isBodylessStatus(status);
          if (bodyless) res.resume();
          const web = new Response(bodyless ? null : webStreamOf(res), { status, headers: webHeadersOf(res) });
          resume(Effect.succeed(HttpClientResponse.fromWeb(request, web)));
        });
        signal.addEventListener("abort", onAbort, { once: true });
        req.setTimeout(inactivityTimeoutMs, () => req.destroy(new Error(`no activity for ${inactivityTimeoutMs / 1000} s`)));
        req.on("error", fail);
        if (body instanceof ReadableStream) {
          // A source that fails (the other system left mid-upload) must not reach Telegram as a complete body.
          pipeline(Readable.fromWeb(body as NodeReadableStream<Uint8Array>), req).catch((error) => req.destroy(error));
        } else req.end(body);
        return Effect.sync(() => req.destroy());
      })
    );
  return {
    send,
    close: () => {
      pool["http:"].destroy();
      pool["https:"].destroy();
    },
  };
};

/** An answer's body as a web stream, pulled from the socket as it is read; cancelling drops the connection. */
function webStreamOf(res: IncomingMessage): ReadableStream<Uint8Array> {
  const chunks: AsyncIterator<Buffer> = res[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(new Uint8Array(next.value.buffer, next.value.byteOffset, next.value.byteLength));
    },
    cancel() {
      res.destroy();
    },
  }, { highWaterMark: 0 });
}

/** An answer's headers as web `Headers` (repeated ones kept). */
function webHeadersOf(res: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(res.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(key, v);
    else if (value !== undefined) headers.set(key, value);
  }
  return headers;
}

/** The Bot API client's JSON calls (json-transport.ts; Node's own client never used a proxy either). */
export { postJson } from "./json-transport.ts";
