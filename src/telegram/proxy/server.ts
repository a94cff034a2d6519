/**
 * Proxy mode: the parallel system (n8n, grammY, Telegraf, aiogram, python-telegram-bot …) sets
 * its Bot API base URL to this server. Its calls are forwarded to `api_root` and Telegram's
 * answers returned unchanged; what it sends to users is recorded as intercepted. It receives
 * updates from Switchboard's own stream (getUpdates with its own offset, or its webhook), so
 * Switchboard stays the only poller of the token and both sides see every user update.
 * Only the bot's own token is accepted; the operators' group is never shown to it. Calls that
 * would disturb Switchboard's own session (getUpdates, the webhook calls, logOut, close) are
 * answered here, as Telegram would answer them; file downloads are streamed through.
 * Served by @effect/platform's HttpServer (see platform/); everything stops with the scope.
 */
import * as HttpClient from "@effect/platform/HttpClient";
import type * as HttpApp from "@effect/platform/HttpApp";
import type * as HttpServerError from "@effect/platform/HttpServerError";
import * as HttpServerRequest from "@effect/platform/HttpServerRequest";
import * as HttpServerResponse from "@effect/platform/HttpServerResponse";
import type { Message, Update } from "@grammyjs/types";
import * as Cause from "effect/Cause";
import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import * as Stream from "effect/Stream";
import { makeForwardingClient } from "../../platform/http-client.ts";
import { makeHttpServer } from "../../platform/mod.ts";
import { readBody } from "../../platform/read-body.ts";
import type { Db } from "../../store/open.ts";
import type { Logger } from "../../util/log.ts";
import { formFieldsReader } from "./form-fields.ts";
import { answerOf, callMethod, downloadFile, type ForwardBody, type Upstream } from "./forward.ts";
import { interceptedEdits, interceptedMessages } from "./intercepted.ts";
import { loadProxyWebhook } from "../../store/proxy-settings.ts";
import { type AllowedUpdates, makeAllowedUpdates } from "./allowed-updates.ts";
import { intParam, type RawParams, readParams } from "./params.ts";
import { remotePusher } from "./remote-pusher.ts";
import { makeWebhookPusher, newPushStats, type PushPolicy, type PushStats, type WebhookPusher } from "./pusher.ts";
import { routeOf } from "./route.ts";
import { makeProxyStream, type ProxyStream } from "./stream.ts";
import { makeWebhookMethods, type MethodAnswer, type WebhookMethods } from "./webhook-methods.ts";

/** Settings of a proxy. */
export interface ProxyOptions {
  readonly host: string;
  /** 0 picks a free port (the handle reports the bound one). */
  readonly port: number;
  readonly token: string;
  readonly apiRoot: string;
  readonly db: Db;
  readonly botId: string;
  readonly log: Logger;
  /** Records a message the parallel system sent to a user (durably, before answering it). */
  readonly onIntercepted: (chatId: number, message: Message, edited: boolean) => Effect.Effect<void, unknown>;
  /** How the parallel system's webhook is fed: post timeout, retry window, attempts (Telegram's by default). */
  readonly push?: PushPolicy;
  /** No byte either way for this long fails a forwarded call (ms); default the transport's 60 s. */
  readonly forwardTimeoutMs?: number;
  /**
   * Several instances: this proxy serves the bot whoever owns it, and the parallel system's
   * webhook is pushed by the owner's {@link proxyPusher}; `tellOwner` tells it a setting changed.
   * The `allowed_updates` setting is then read from the store on each use (others may change it).
   */
  readonly pushedElsewhere?: { readonly tellOwner: Effect.Effect<void> };
}

/** Counters of a running proxy (the webhook's among them). */
export interface ProxyStats extends PushStats {
  forwarded: number;
  intercepted: number;
  served: number;
}

/** A running proxy. */
export interface ProxyHandle {
  readonly port: number;
  readonly stats: Readonly<ProxyStats>;
  /** Updates were accepted (some queued for the parallel system): wake its long poll or its webhook's lanes. */
  notify(updates: readonly Update[]): Effect.Effect<void>;
}

const json = (status: number, body: unknown) => HttpServerResponse.unsafeJson(body, { status });
const fail = (code: number, description: string) => json(code, { ok: false, error_code: code, description });
const answer = (a: MethodAnswer) => json(a.status, a.body);

/**
 * The largest body the proxy reads whole: the calls it answers itself, and forwarded calls that
 * are not multipart (JSON and forms, a few KiB in practice). Multipart bodies (uploads) are
 * streamed to Telegram, whatever their size.
 */
const maxReadBytes = 10 * 1024 * 1024;

/** What forwarding a call needs. */
interface Relaying {
  readonly o: Omit<ProxyOptions, "host" | "port">;
  readonly stats: ProxyStats;
  readonly upstream: Upstream;
}

/** Everything a request handler needs. */
interface Parts extends Relaying {
  readonly stream: ProxyStream;
  readonly pusher: WebhookPusher;
  readonly allowed: AllowedUpdates;
  readonly hooks: WebhookMethods;
}

/**
 * Serves the proxy on `host:port` until the scope closes: the HTTP server, the parallel system's
 * update stream and its webhook pusher (a fiber). Needs an `HttpClient` for pushing; forwarding
 * has a streaming client and connection pool of its own, closed with the scope.
 */
export const proxyServer = (o: ProxyOptions): Effect.Effect<ProxyHandle, HttpServerError.ServeError, Scope.Scope | HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const stream = yield* makeProxyStream(o.db, o.botId);
    const stats: ProxyStats = { forwarded: 0, intercepted: 0, served: 0, ...newPushStats() };
    // A store that cannot be read at start is a defect of the deployment, not a request to answer.
    const allowed = yield* Effect.orDie(makeAllowedUpdates(o.db, o.botId, o.pushedElsewhere !== undefined));
    const http = yield* makeForwardingClient(...(o.forwardTimeoutMs !== undefined ? [o.forwardTimeoutMs] : []));
    const upstream: Upstream = { http, root: o.apiRoot.replace(/\/+$/, ""), token: o.token };
    const pusher = o.pushedElsewhere ? remotePusher(o.db, o.botId, o.pushedElsewhere.tellOwner) : yield* startPusher({ o, stats, upstream });
    const hooks = makeWebhookMethods({ db: o.db, botId: o.botId, log: o.log, pusher, allowed, onSet: stream.terminate });
    const parts: Parts = { o, stream, pusher, allowed, hooks, stats, upstream };
    const server = yield* makeHttpServer({ host: o.host, port: o.port });
    yield* server.serve(proxyApp(parts));
    // Runs first on close: a waiting long poll gets Telegram's gateway answer, not a cut connection.
    yield* Effect.addFinalizer(() => stream.terminate({ ok: false, error_code: 502, description: "Bad Gateway" }));
    return {
      port: server.address._tag === "TcpAddress" ? server.address.port : o.port,
      stats,
      notify: (updates) => Effect.zipRight(stream.notify, pusher.queued(updates)),
    };
  });

/**
 * The parallel system's webhook pusher (pusher.ts) with the stored webhook in use: a method a
 * webhook's answer names is forwarded and recorded like any call of the parallel system.
 */
const startPusher = (r: Relaying) =>
  Effect.gen(function* () {
    const { o } = r;
    const pusher = yield* makeWebhookPusher({
      db: o.db, botId: o.botId, log: o.log, stats: r.stats, ...(o.push ? { policy: o.push } : {}),
      dispatch: (reply) => Effect.asVoid(forward(r, "POST", reply.method, "", reply.contentType, reply.body, reply.params)),
    });
    const stored = yield* Effect.tryPromise(() => loadProxyWebhook(o.db, o.botId)).pipe(
      Effect.catchAll((error) => Effect.sync(() => (o.log.warn("could not read the parallel system's webhook; it must call setWebhook again", { error: String(error) }), undefined))),
    );
    yield* Effect.orDie(pusher.set(stored, false));
    return pusher;
  });

/**
 * Several instances: the pusher of a bot's owner, without the proxy's HTTP server (the proxies of
 * every instance serve the calls, cluster/front.ts). `reload` when another instance's proxy
 * changed the webhook or queued updates; `queued` for what this instance accepted.
 */
export const proxyPusher = (o: Omit<ProxyOptions, "host" | "port" | "pushedElsewhere">): Effect.Effect<WebhookPusher, never, Scope.Scope | HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const http = yield* makeForwardingClient(...(o.forwardTimeoutMs !== undefined ? [o.forwardTimeoutMs] : []));
    const stats: ProxyStats = { forwarded: 0, intercepted: 0, served: 0, ...newPushStats() };
    return yield* startPusher({ o, stats, upstream: { http, root: o.apiRoot.replace(/\/+$/, ""), token: o.token } });
  });

/**
 * The proxy as an app: `/bot<token>/<method>`, answered locally or forwarded, and
 * `/file/bot<token>/<path>`, streamed through. An app runs uninterruptibly unless it says
 * otherwise: reading the body, the long poll and the call to Telegram may be cut short (a client
 * that left, a proxy that stops); recording what was sent and answering it may not.
 */
const proxyApp = (p: Parts): HttpApp.Default<unknown> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest;
    const route = routeOf(request.url);
    if (!route) return fail(404, "Not Found");
    if (route.token !== p.o.token) return fail(401, "Unauthorized");
    if (route.kind === "file") return yield* download(p, request.method, route.path, route.search);
    const { method, search } = route;
    const contentType = request.headers["content-type"];
    // Uploads go to Telegram as they arrive; only the calls the proxy answers itself need every parameter first.
    if (/^multipart\/form-data/i.test(contentType ?? "") && !answeredHere.has(method.toLowerCase())) {
      return yield* forwardStreaming(p, request, method, search, contentType!);
    }
    const read = yield* Effect.either(Effect.interruptible(readBody(request, maxReadBytes)));
    if (read._tag === "Left") return read.left._tag === "BodyTooLarge" ? fail(413, "Request Entity Too Large") : fail(400, "Bad Request: can't read the request body");
    const body = read.right;
    const url = new URL(`http://proxy${search}`);
    const params = yield* Effect.promise(() => readParams(url, contentType, body));
    switch (method.toLowerCase()) {
      case "getupdates":
        return yield* getUpdates(p, params);
      // Webhook calls of the parallel system are honoured here: Telegram keeps Switchboard's own.
      case "setwebhook":
      case "deletewebhook":
        return answer(yield* p.hooks.change(method.toLowerCase() as "setwebhook" | "deletewebhook", params));
      case "getwebhookinfo":
        return answer(yield* p.hooks.info);
      // Telegram's logOut and close would end Switchboard's own session: the other system is told they worked.
      case "logout":
      case "close":
        return json(200, { ok: true, result: true });
      default:
        return yield* forward(p, request.method, method, search, contentType, body, params);
    }
  }).pipe(
    Effect.catchAllCause((cause) =>
      // An interrupted request (client gone, proxy stopping) is answered by the server itself.
      Cause.isInterruptedOnly(cause) ? Effect.failCause(cause) : Effect.sync(() => {
        p.o.log.error("proxy request failed", { error: String(cause).replaceAll(p.o.token, "***") });
        return fail(500, "Internal Server Error");
      })
    ),
  );

const getUpdates = (p: Parts, params: RawParams) =>
  Effect.gen(function* () {
    if (yield* p.pusher.webhook) return fail(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    yield* p.allowed.apply(params);
    const limit = Math.min(100, Math.max(1, intParam(params, "limit") ?? 100));
    const answer = yield* Effect.interruptible(p.stream.getUpdates(intParam(params, "offset"), limit, Math.min(50, intParam(params, "timeout") ?? 0)));
    if (answer.ok) p.stats.served += answer.result.length;
    return json(answer.ok ? 200 : answer.error_code, answer);
  });

/** The methods the proxy answers itself (see the switch in `proxyApp`). */
const answeredHere = new Set(["getupdates", "setwebhook", "deletewebhook", "getwebhookinfo", "logout", "close"]);

/** Forwards a call whose body was read (`params` from it) to Telegram; see `relay`. */
const forward = (p: Relaying, httpMethod: string, method: string, search: string, contentType: string | undefined, body: Uint8Array, params: RawParams) =>
  relay(p, httpMethod, method, search, body.byteLength > 0 ? { bytes: body, contentType: contentType ?? "application/octet-stream" } : undefined, () => params);

/**
 * Forwards a call to Telegram and returns its answer byte for byte; what it sent to users is
 * recorded before answering. `params` is read once the answer is in (a streamed upload's fields
 * are known only then).
 */
const relay = (p: Relaying, httpMethod: string, method: string, search: string, body: ForwardBody | undefined, params: () => RawParams) =>
  Effect.gen(function* () {
    const answered = yield* Effect.either(Effect.interruptible(callMethod(p.upstream, httpMethod, method, search, body)));
    if (answered._tag === "Left") {
      p.o.log.warn("proxy could not reach Telegram", { method, error: answered.left.message.replaceAll(p.o.token, "***") });
      return fail(502, "Bad Gateway");
    }
    const answer = answered.right;
    p.stats.forwarded += 1;
    // Recorded before the answer goes back: once the other system knows, so do we.
    yield* record(p, method, params(), answer.body).pipe(
      Effect.catchAllCause((cause) => Effect.sync(() => p.o.log.warn("proxy could not record an intercepted message", { method, error: String(cause) }))),
    );
    return answerOf(answer);
  });

/** A multipart call (an upload): streamed to Telegram, its text fields read on the way for `record`. */
const forwardStreaming = (p: Relaying, request: HttpServerRequest.HttpServerRequest, method: string, search: string, contentType: string) => {
  const fields = formFieldsReader(contentType);
  const length = Number(request.headers["content-length"]);
  const stream = fields ? Stream.tap(request.stream, (chunk) => Effect.sync(() => fields.push(chunk))) : request.stream;
  const body: ForwardBody = { stream, contentType, contentLength: Number.isSafeInteger(length) && length >= 0 ? length : undefined };
  return relay(p, request.method, method, search, body, () => ({ ...Object.fromEntries(new URLSearchParams(search)), ...fields?.fields }));
};

/** A file download, streamed through; an unreachable Telegram is a 502 as for calls. */
const download = (p: Relaying, httpMethod: string, path: string, search: string) =>
  Effect.interruptible(downloadFile(p.upstream, httpMethod, path, search)).pipe(
    Effect.catchAll((error) =>
      Effect.sync(() => {
        p.o.log.warn("proxy could not reach Telegram for a file", { error: error.message.replaceAll(p.o.token, "***") });
        return fail(502, "Bad Gateway");
      })
    ),
  );

const record = (p: Relaying, method: string, params: RawParams, body: Uint8Array) =>
  Effect.gen(function* () {
    const parsed = yield* Effect.try(() => JSON.parse(new TextDecoder().decode(body)) as { ok?: boolean; result?: unknown });
    if (!parsed.ok) return;
    const now = yield* Clock.currentTimeMillis;
    for (const message of interceptedMessages(method, params, parsed.result, now)) {
      yield* p.o.onIntercepted(message.chat.id, message, false);
      p.stats.intercepted += 1;
    }
    for (const message of interceptedEdits(method, parsed.result)) yield* p.o.onIntercepted(message.chat.id, message, true);
  });
