/**
 * Deno's side of the platform seam (`node.ts` has the same exports; `mod.ts` picks one).
 * The HTTP server is `Deno.serve` behind @effect/platform's `HttpServer`: it speaks web
 * `Request`/`Response` natively, which is what @effect/platform's server types are built on,
 * and it is cheaper than Deno's node:http emulation.
 * The Bot API transport is `fetch`, not node:http: Deno's `node:http` silently sends a request
 * again when it is destroyed on a reused keep-alive socket (a timeout, an interruption), and
 * even hands back the late answer instead of the error (denoland/deno#36786;
 * `test/unit/http-client.test.ts` checks both runtimes): a timed-out `sendMessage` would reach
 * the user twice. Deno's `fetch` is native and cheap.
 */
import * as HttpClientResponse from "@effect/platform/HttpClientResponse";
import * as HttpServer from "@effect/platform/HttpServer";
import * as HttpServerError from "@effect/platform/HttpServerError";
import * as HttpServerRequest from "@effect/platform/HttpServerRequest";
import * as HttpServerResponse from "@effect/platform/HttpServerResponse";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import type * as Scope from "effect/Scope";
import {
  bodyOf,
  deadlineError,
  headersOf,
  isBodylessStatus,
  type PostJson,
  type SendRequest,
  streamingBodyOf,
  streamingHeadersOf,
  type StreamingTransport,
  transportError,
} from "./client-request.ts";
import process from "node:process";
import { proxyFor } from "./env-proxy.ts";
import { postJson as poolPostJson } from "./json-transport.ts";
import { type ListenOptions, makeRequestRunner, type RunRequest } from "./request-runner.ts";

/** The runtime this adapter is for. */
export const runtimeName = "deno" as const;

/** The part of Deno's API this file uses (tsc checks the sources with Node's types only). */
interface DenoServeApi {
  serve(
    options: { hostname: string; port: number; onListen?: (address: { hostname: string; port: number }) => void },
    handler: (request: Request, info: { remoteAddr: { hostname: string } }) => Promise<Response>,
  ): { readonly addr: { hostname: string; port: number }; shutdown(): Promise<void> };
}

const deno = () => (globalThis as unknown as { Deno: DenoServeApi }).Deno;

/** The app serving right now; requests arriving without one are told to come back later. */
type Handler = (request: Request, remoteAddress: string) => Promise<Response>;

const unavailable = () => Promise.resolve(new Response(null, { status: 503 }));

/**
 * An `HttpServer` listening on `options` until the scope closes. Closing ends the requests still
 * running (their fibers belong to `serve`'s scope) and shuts the listener down.
 */
export const makeHttpServer = (options: ListenOptions): Effect.Effect<HttpServer.HttpServer, HttpServerError.ServeError, Scope.Scope> =>
  Effect.gen(function* () {
    let current: Handler = unavailable;
    const server = yield* Effect.acquireRelease(
      Effect.try({
        try: () => deno().serve({ hostname: options.host, port: options.port, onListen: () => {} }, (request, info) => current(request, info.remoteAddr.hostname)),
        catch: (cause) => new HttpServerError.ServeError({ cause }),
      }),
      (server) => Effect.promise(() => server.shutdown()),
    );
    return HttpServer.make({
      address: { _tag: "TcpAddress", hostname: server.addr.hostname, port: server.addr.port },
      serve: (app, middleware) =>
        Effect.gen(function* () {
          const answers = new WeakMap<HttpServerRequest.HttpServerRequest, (response: Response) => void>();
          const runtime = yield* Effect.runtime<never>();
          const run = yield* makeRequestRunner(app, middleware, (request, response) =>
            Effect.sync(() => answers.get(request)?.(HttpServerResponse.toWeb(response, { withoutBody: request.method === "HEAD", runtime }))));
          yield* Effect.addFinalizer(() => Effect.sync(() => (current = unavailable)));
          current = handlerFor(run, answers);
        }),
    });
  });

/** `makeHttpServer` as a layer. */
export const httpServerLayer = (options: ListenOptions): Layer.Layer<HttpServer.HttpServer, HttpServerError.ServeError> =>
  Layer.scoped(HttpServer.HttpServer, makeHttpServer(options));

/**
 * Client aborts are not turned into interruptions here: merely reading `request.signal` makes
 * Deno 2 print a deprecation warning (its legacy signal also fires after every answer). A
 * request whose client left runs to its own end; Switchboard's only long one, the proxy's
 * getUpdates, is bounded by its timeout and ended by the client's next poll.
 */
const handlerFor = (run: RunRequest, answers: WeakMap<HttpServerRequest.HttpServerRequest, (response: Response) => void>): Handler =>
  (web, remoteAddress) =>
    new Promise<Response>((resolve) => {
      const request = HttpServerRequest.fromWeb(web).modify({ remoteAddress });
      answers.set(request, resolve);
      // The app always answers (failures become 500s); this only guards a fiber that ends without.
      run(request).addObserver(() => resolve(new Response(null, { status: 500 })));
    });

/** The Bot API transport: `fetch`, aborted on interruption or after `timeoutMs` in total. */
export const sendRequest = (timeoutMs: number): SendRequest => (request, url, signal) =>
  Effect.tryPromise({
    try: async () => {
      const payload = bodyOf(request);
      const response = await fetch(url, {
        method: request.method, headers: headersOf(request, payload), body: payload as BodyInit | undefined,
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
      // Read here, so the timeout covers the body too.
      const body = await response.arrayBuffer();
      return HttpClientResponse.fromWeb(request, new Response(body, { status: response.status, headers: response.headers }));
    },
    catch: (cause) => transportError(request, cause),
  });

/**
 * The proxy's transport: `fetch` (Deno pools its connections), with request bodies streamed out
 * as they arrive and the answer handed back at its head, its body read as the caller reads it.
 * `inactivityTimeoutMs` without a byte either way fails the call (or ends its body).
 */
export const streamingTransport = (inactivityTimeoutMs: number): StreamingTransport => {
  const send: SendRequest = (request, url, signal) =>
    Effect.flatMap(streamingBodyOf(request), (body) =>
      Effect.tryPromise({
        try: async () => {
          const idle = idleTimer(inactivityTimeoutMs);
          try {
            const response = await fetch(url, {
              method: request.method, headers: streamingHeadersOf(request),
              body: body instanceof ReadableStream ? watched(body, idle) : (body as BodyInit | undefined),
              signal: AbortSignal.any([signal, idle.signal]),
              ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
            } as RequestInit);
            idle.bump();
            const headers = new Headers(response.headers);
            // fetch decoded a compressed body: its encoding and length no longer describe it.
            if (headers.has("content-encoding")) {
              headers.delete("content-encoding");
              headers.delete("content-length");
            }
            const bodyless = request.method === "HEAD" || isBodylessStatus(response.status) || !response.body;
            if (bodyless) idle.stop();
            return HttpClientResponse.fromWeb(request, new Response(bodyless ? null : watched(response.body!, idle, true), { status: response.status, headers }));
          } catch (error) {
            idle.stop();
            throw error;
          }
        },
        catch: (cause) => transportError(request, cause),
      })
    );
  return { send, close: () => {} };
};

/** Aborts its signal after `ms` without a `bump`. */
function idleTimer(ms: number) {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => clearTimeout(timer);
  const bump = () => {
    stop();
    timer = setTimeout(() => controller.abort(new Error(`no activity for ${ms / 1000} s`)), ms);
  };
  bump();
  return { signal: controller.signal, bump, stop };
}

/** `source`, bumping the idle timer at every chunk; `last`: the timer stops when it ends. */
function watched(source: ReadableStream<Uint8Array>, idle: ReturnType<typeof idleTimer>, last = false): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await reader.read();
        idle.bump();
        if (next.done) {
          if (last) idle.stop();
          controller.close();
        } else controller.enqueue(next.value);
      } catch (error) {
        idle.stop();
        throw error;
      }
    },
    cancel(reason) {
      idle.stop();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/**
 * The Bot API client's JSON calls: the HTTP/1.1 pool of json-transport.ts, as on Node, unless
 * the environment names a proxy for the server (env-proxy.ts): the pool's sockets cannot use
 * one, `fetch` can.
 */
export const postJson = (origin: string, timeoutMs: number): PostJson =>
  proxyFor(new URL(origin), process.env) ? postJsonWithFetch(origin, timeoutMs) : poolPostJson(origin, timeoutMs);

/** JSON POSTs to `origin` with `fetch`, aborted on interruption or after `timeoutMs` in all. */
const postJsonWithFetch = (origin: string, timeoutMs: number): PostJson => {
  const prefix = origin.replace(/\/+$/, "");
  return (path, body, deadlineMs) => {
    const limit = deadlineMs === undefined ? timeoutMs : Math.min(deadlineMs, timeoutMs);
    return Effect.tryPromise({
      try: async (signal) => {
        const response = await fetch(prefix + path, {
          method: "POST", headers: { "content-type": "application/json" }, body,
          signal: AbortSignal.any([signal, AbortSignal.timeout(limit)]),
        });
        return { status: response.status, text: await response.text() };
      },
      catch: (cause) =>
        deadlineMs !== undefined && cause instanceof DOMException && cause.name === "TimeoutError" ? deadlineError(limit)
        : cause instanceof Error ? cause : new Error(String(cause)),
    });
  };
};
