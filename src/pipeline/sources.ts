/**
 * Where a bot's updates come from — an MTProto session, a webhook receiver or long polling —
 * and, in proxy mode, the Bot API proxy for the parallel system. Each is acquired in the current
 * Scope and released when it closes; every update goes through the inbox before it is confirmed.
 */
import type { Update, UserFromGetMe } from "@grammyjs/types";
import * as Clock from "effect/Clock";
import * as Deferred from "effect/Deferred";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Runtime from "effect/Runtime";
import type * as Scope from "effect/Scope";
import { nodeHttpClientLayer } from "../platform/http-client.ts";
import type { BotConfig } from "../config/mod.ts";
import { Store } from "../store/store.ts";
import type { TelegramClient } from "../telegram/client.ts";
import { everyUpdateType } from "../telegram/allowed-updates.ts";
import { setWebhook } from "../telegram/connect.ts";
import type { OwnSends } from "../telegram/mtproto/own-sends.ts";
import { type MtprotoClientFactory, type MtprotoSession, MtprotoStartError, startMtprotoSession } from "../telegram/mtproto/session.ts";
import { runPolling } from "../telegram/polling.ts";
import { type ProxyHandle, proxyPusher, proxyServer } from "../telegram/proxy/server.ts";
import { mirrorsToParallel } from "../telegram/proxy/mirror.ts";
import type { Db } from "../store/schema.ts";
import { webhookReceiver } from "../telegram/webhook.ts";
import type { Logger } from "../util/log.ts";
import { onNoticeAndRecheck } from "../cluster/wake.ts";
import type { Fronted } from "./bot.ts";
import type { InboxService } from "./inbox.ts";
import { withFreshIds } from "./fresh-ids.ts";
import type { ReceiveHealth } from "./receive-health.ts";
import { BotStartError, cannotListen } from "./start-error.ts";
import { realClock } from "../util/real-clock.ts";

/** What a source needs. */
export interface SourceOptions {
  bot: BotConfig;
  log: Logger;
  me: UserFromGetMe;
  client: TelegramClient;
  inbox: InboxService;
  /** `inbox.accept` for the MTProto session, as a promise (it is written around callbacks). */
  accept(updates: readonly Update[], sourceKey: (u: Update) => string | undefined): Promise<number>;
  ownSends: OwnSends | undefined;
  pollTimeoutSeconds?: number;
  mtprotoClient?: MtprotoClientFactory;
  /** Where the source reports that it receives (for `/readyz`). */
  health: ReceiveHealth;
  /** The bot's one generator of synthetic update ids (util/synthetic-id.ts). */
  nextUpdateId: () => number;
  /** The polling offset as the start read it (store/start-state.ts): nothing else moves it before the poller runs. */
  lastUpdateId: number | undefined;
  /** Several instances: the receivers listen on every instance, not here (pipeline/bot.ts `fronted`). */
  fronted?: Fronted;
  /** Several instances: taken over from another instance, which polled it (pipeline/bot.ts `takeover`). */
  takeover?: boolean;
}

/** The running source's handles. */
export interface RunningSource {
  proxy: ProxyHandle | undefined;
  mtproto: MtprotoSession | undefined;
  webhookPort: number | undefined;
}

/** Starts the proxy (if configured) and the bot's source; both stop when the Scope closes. */
export const startSource = (o: SourceOptions): Effect.Effect<RunningSource, BotStartError | unknown, Store | Scope.Scope> =>
  Effect.gen(function* () {
    const { bot, log } = o;
    const { db } = yield* Store;
    const announce = (how: string) => log.info(`connected as @${o.me.username} (id ${o.me.id}), receiving updates by ${how}`, { group: bot.group });
    const listening = (what: string, listen: { host: string; port: number }) => Effect.mapError(cannotListen(bot.id, what, listen));

    // Behind the proxy, the other system may ask for any kind (inline queries, payments …): ask Telegram for all.
    const asked = bot.parallel?.mode === "proxy" ? { allowedUpdates: everyUpdateType } : {};
    let proxy: ProxyHandle | undefined;
    if (bot.parallel?.mode === "proxy" && o.fronted) {
      yield* ownerPusher(o, o.fronted, db);
    } else if (bot.parallel?.mode === "proxy") {
      const listen = bot.parallel.listen;
      const started = yield* proxyServer({
        host: listen.host, port: listen.port, token: bot.token, apiRoot: bot.apiRoot, db, botId: bot.id, log: log.child("proxy"),
        push: { retryHours: bot.parallel.webhookRetryHours, maxAttempts: bot.parallel.webhookMaxAttempts },
        // Through the inbox, with a negative id: durable, and stepped in arrival order.
        onIntercepted: (chatId, message, edited) =>
          o.inbox.accept([{ update_id: o.nextUpdateId(), switchboard_intercepted: { chat_id: chatId, message, ...(edited ? { edited } : {}) } }], { source: "proxy" }),
      }).pipe(Effect.provide(nodeHttpClientLayer), listening("the Bot API proxy", listen));
      const stopListening = o.inbox.onAccepted((updates) => Effect.runSync(started.notify(updates)));
      yield* Effect.addFinalizer(() => Effect.sync(stopListening));
      proxy = started;
      log.info(`parallel mode: Bot API proxy for the other system listening on ${listen.host}:${started.port}`);
    }

    if (bot.parallel?.mode === "mtproto" && o.ownSends) {
      // The other system owns getUpdates and the webhook: never call getUpdates, setWebhook or
      // deleteWebhook for this bot. Everything arrives through the MTProto session.
      if (bot.updates === "webhook") {
        log.warn(`updates: webhook is ignored in parallel mode "mtproto": the bot's webhook belongs to the other system, and Switchboard receives through MTProto`);
      }
      const mtproto = bot.parallel;
      const ownSends = o.ownSends;
      const session = yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: () =>
            startMtprotoSession({
              db, botId: bot.id, token: bot.token, apiId: mtproto.apiId, apiHash: mtproto.apiHash, log: log.child("mtproto"), ownSends,
              me: { id: o.me.id, first_name: o.me.first_name, username: o.me.username }, accept: (updates, sourceKey) => o.accept(updates, sourceKey),
              nextUpdateId: o.nextUpdateId,
              ...(o.mtprotoClient ? { createClient: o.mtprotoClient } : {}),
            }),
          catch: (e) => (e instanceof MtprotoStartError ? new BotStartError(`bot "${bot.id}": ${e.message}`) : e),
        }),
        (s) => Effect.promise(() => s.stop()),
      );
      o.health.ok("mtproto", yield* Clock.currentTimeMillis);
      announce("an MTProto session (parallel mode: the other system keeps its getUpdates or webhook)");
      return { proxy, mtproto: session, webhookPort: undefined };
    }

    if (bot.updates === "webhook" && bot.webhook && o.fronted) {
      // The receiver listens on every instance (cluster/front.ts); the owner tells Telegram where.
      const w = bot.webhook;
      yield* setWebhook({ client: o.client, botId: bot.id, log, url: w.url, secret: w.secret, ...asked }).pipe(Effect.mapError((e) => new BotStartError(e.message)));
      o.health.ok("webhook", yield* Clock.currentTimeMillis);
      announce(`webhook (${w.url}; the receiver listens on ${w.listen.host}:${w.listen.port} on every instance)`);
      return { proxy, mtproto: undefined, webhookPort: undefined };
    }

    if (bot.updates === "webhook" && bot.webhook) {
      const w = bot.webhook;
      const accept = (updates: readonly unknown[], texts: readonly string[]) => o.inbox.accept(updates, { source: "webhook", texts });
      const server = yield* webhookReceiver({ host: w.listen.host, port: w.listen.port, path: w.path, secret: w.secret, log, accept }).pipe(
        listening("the webhook", w.listen),
      );
      yield* setWebhook({ client: o.client, botId: bot.id, log, url: w.url, secret: w.secret, ...asked }).pipe(Effect.mapError((e) => new BotStartError(e.message)));
      o.health.ok("webhook", yield* Clock.currentTimeMillis);
      announce(`webhook (${w.url}, listening on ${w.listen.host}:${server.port})`);
      return { proxy, mtproto: undefined, webhookPort: server.port };
    }

    const connected = yield* Deferred.make<void>();
    yield* Effect.forkScoped(runPolling({
      client: o.client, log, lastUpdateId: o.lastUpdateId, ...(o.takeover ? { noWebhookExpected: true } : {}), accept: (updates) => o.inbox.accept(updates, { source: "polling" }), timeoutSeconds: o.pollTimeoutSeconds, health: o.health,
      onConnected: Effect.zipRight(Effect.sync(() => announce("polling")), Deferred.succeed(connected, undefined)), ...asked,
    }));
    // Started means receiving: the first getUpdates has told Telegram which kinds to keep (an
    // update before it follows the previous setting, e.g. no reactions). Not forever: a
    // Telegram that fails the poll is retried in the background, and /readyz says so.
    yield* Deferred.await(connected).pipe(Effect.timeout(firstPollWait), Effect.ignore, Effect.withClock(realClock));
    return { proxy, mtproto: undefined, webhookPort: undefined };
  });

/** How long a bot's start waits for its first getUpdates (real time: a network wait). */
const firstPollWait = Duration.seconds(10);

/**
 * Several instances, proxy mode: the proxy listens on every instance (cluster/front.ts); the owner
 * runs only the pusher to the parallel system's webhook, woken by what this instance accepted and
 * by the other instances' notices (a webhook set there, updates queued there) and, should one be
 * lost, by the slow re-check on the Clock (cluster/wake.ts). What this
 * instance queued for the parallel system is announced, so long polls elsewhere wake.
 */
const ownerPusher = (o: SourceOptions, fronted: Fronted, db: Db) =>
  Effect.gen(function* () {
    const { notifier } = fronted;
    const { bot, log } = o;
    if (bot.parallel?.mode !== "proxy") return;
    const pusher = yield* proxyPusher({
      token: bot.token, apiRoot: bot.apiRoot, db, botId: bot.id, log: log.child("proxy"),
      push: { retryHours: bot.parallel.webhookRetryHours, maxAttempts: bot.parallel.webhookMaxAttempts },
      // A method named by the webhook's answer, sent to a user: recorded like the fronts record it.
      onIntercepted: (chatId, message, edited) =>
        withFreshIds(o.nextUpdateId, 1, ([id]) =>
          o.inbox.accept([{ update_id: id, switchboard_intercepted: { chat_id: chatId, message, ...(edited ? { edited } : {}) } }], { source: "proxy", allFresh: true })),
    }).pipe(Effect.provide(nodeHttpClientLayer));
    const run = Runtime.runFork(yield* Effect.runtime<never>());
    // A notice may be lost: the pusher also looks on the inbox's slow re-check.
    yield* onNoticeAndRecheck(notifier, "proxy", bot.id, pusher.reload, fronted.inboxRecheck);
    const mirrored = mirrorsToParallel(bot.group);
    const stopListening = o.inbox.onAccepted((updates) => {
      run(pusher.queued(updates));
      if (updates.some(mirrored)) run(Effect.zipRight(fronted.proxyHere?.(bot.id) ?? Effect.void, notifier.publish("proxy", bot.id)));
    });
    yield* Effect.addFinalizer(() => Effect.sync(stopListening));
    log.info("parallel mode: the Bot API proxy listens on every instance; the owner (here) feeds the other system's webhook");
  });
