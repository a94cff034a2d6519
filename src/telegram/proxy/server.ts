/**
 * Proxy mode: the parallel system (n8n, grammY, Telegraf, aiogram, python-telegram-bot …) sets
 * its Bot API base URL to this server. Its calls are forwarded to `api_root` and Telegram's
 * answers returned unchanged; what it sends to users is recorded as intercepted. It receives
 * updates from Switchboard's own stream (getUpdates with its own offset, or its webhook), so
 * Switchboard stays the only poller of the token and both sides see every user update.
 * Only the bot's own token is accepted; the operators' group is never shown to it.
 * Served by @effect/platform's HttpServer (see platform/); everything stops with the scope.
 */
import * as HttpClient from "@effect/platform/HttpClient";
import * as HttpClientRequest from "@effect/platform/HttpClientRequest";
import type * as HttpApp from "@effect/platform/HttpApp";
import type * as HttpServerError from "@effect/platform/HttpServerError";
import * as HttpServerRequest from "@effect/platform/HttpServerRequest";
import * as HttpServerResponse from "@effect/platform/HttpServerResponse";
import type { Message, Update } from "@grammyjs/types";
import * as Cause from "effect/Cause";
import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import { makeHttpServer } from "../../platform/mod.ts";
import { readBody } from "../../platform/read-body.ts";
import type { Db } from "../../store/open.ts";
import type { Logger } from "../../util/log.ts";
import { interceptedEdits, interceptedMessages } from "./intercepted.ts";
import { loadProxyWebhook } from "../../store/proxy-settings.ts";
import { type AllowedUpdates, makeAllowedUpdates } from "./allowed-updates.ts";
import { intParam, type RawParams, readParams } from "./params.ts";
import { makeWebhookPusher, newPushStats, type PushPolicy, type PushStats, type WebhookPusher } from "./pusher.ts";
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

/** Everything a request handler needs. */
interface Parts {
  readonly o: ProxyOptions;
  readonly stream: ProxyStream;
  readonly pusher: WebhookPusher;
  readonly allowed: AllowedUpdates;
  readonly hooks: WebhookMethods;
  readonly stats: ProxyStats;
  readonly http: HttpClient.HttpClient;
  readonly root: string;
}

/**
 * Serves the proxy on `host:port` until the scope closes: the HTTP server, the parallel system's
 * update stream and its webhook pusher (a fiber). Needs an `HttpClient` for forwarding and pushing.
 */
export const proxyServer = (o: ProxyOptions): Effect.Effect<ProxyHandle, HttpServerError.ServeError, Scope.Scope | HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const stream = yield* makeProxyStream(o.db, o.botId);
    const stats: ProxyStats = { forwarded: 0, intercepted: 0, served: 0, ...newPushStats() };
    // A store that cannot be read at start is a defect of the deployment, not a request to answer.
    const allowed = yield* Effect.orDie(makeAllowedUpdates(o.db, o.botId));
    const pusher = yield* makeWebhookPusher({
      db: o.db, botId: o.botId, log: o.log, stats, ...(o.push ? { policy: o.push } : {}),
      // A method returned in a webhook's answer is a call of the parallel system like any other.
      dispatch: (reply) => Effect.asVoid(forward(parts, "POST", reply.method, "", reply.contentType, reply.body, reply.params)),
    });
    const stored = yield* Effect.tryPromise(() => loadProxyWebhook(o.db, o.botId)).pipe(
      Effect.catchAll((error) => Effect.sync(() => (o.log.warn("could not read the parallel system's webhook; it must call setWebhook again", { error: String(error) }), undefined))),
    );
    yield* Effect.orDie(pusher.set(stored, false));
    const hooks = makeWebhookMethods({ db: o.db, botId: o.botId, log: o.log, pusher, allowed, onSet: stream.terminate });
    const parts: Parts = { o, stream, pusher, allowed, hooks, stats, http: yield* HttpClient.HttpClient, root: o.apiRoot.replace(/\/+$/, "") };
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
 * The proxy as an app: `/bot<token>/<method>`, answered locally or forwarded. An app runs
 * uninterruptibly unless it says otherwise: reading the body, the long poll and the call to
 * Telegram may be cut short (a client that left, a proxy that stops); recording what was sent
 * and answering it may not.
 */
const proxyApp = (p: Parts): HttpApp.Default<unknown> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest;
    const url = new URL(request.url, "http://proxy");
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!match) return fail(404, "Not Found");
    const [, token, method] = match;
    if (token !== p.o.token) return fail(401, "Unauthorized");
    const body = yield* Effect.interruptible(readBody(request));
    const contentType = request.headers["content-type"];
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
      default:
        return yield* forward(p, request.method, method, url.search, contentType, body, params);
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

/** Forwards a call to Telegram byte for byte; what it sent to users is recorded before answering. */
const forward = (p: Parts, httpMethod: string, method: string, search: string, contentType: string | undefined, body: Uint8Array, params: RawParams) =>
  Effect.gen(function* () {
    const withBody = httpMethod !== "GET" && httpMethod !== "HEAD";
    const outgoing = HttpClientRequest.make(httpMethod as "POST")(`${p.root}/bot${p.o.token}/${method}${search}`).pipe(
      (r) => (withBody ? HttpClientRequest.bodyUint8Array(r, body, contentType) : r),
    );
    const call = Effect.flatMap(p.http.execute(outgoing), (r) => Effect.map(r.text, (text) => ({ status: r.status, type: r.headers["content-type"], text })));
    const answered = yield* Effect.either(Effect.interruptible(call));
    if (answered._tag === "Left") {
      p.o.log.warn("proxy could not reach Telegram", { method, error: answered.left.message.replaceAll(p.o.token, "***") });
      return fail(502, "Bad Gateway");
    }
    const { status, type, text } = answered.right;
    p.stats.forwarded += 1;
    // Recorded before the answer goes back: once the other system knows, so do we.
    yield* record(p, method, params, text).pipe(
      Effect.catchAllCause((cause) => Effect.sync(() => p.o.log.warn("proxy could not record an intercepted message", { method, error: String(cause) }))),
    );
    return HttpServerResponse.text(text, { status, contentType: type ?? "application/json" });
  });

const record = (p: Parts, method: string, params: RawParams, text: string) =>
  Effect.gen(function* () {
    const parsed = yield* Effect.try(() => JSON.parse(text) as { ok?: boolean; result?: unknown });
    if (!parsed.ok) return;
    const now = yield* Clock.currentTimeMillis;
    for (const message of interceptedMessages(method, params, parsed.result, now)) {
      yield* p.o.onIntercepted(message.chat.id, message, false);
      p.stats.intercepted += 1;
    }
    for (const message of interceptedEdits(method, parsed.result)) yield* p.o.onIntercepted(message.chat.id, message, true);
  });
