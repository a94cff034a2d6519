/**
 * Several instances on PostgreSQL: the doors a bot has to the outside — its webhook receiver and
 * its Bot API proxy for a parallel system — open on every instance, for every bot of the config,
 * whoever owns the bot; a load balancer may send any request to any instance. A webhook update or
 * a message the parallel system sent is stored in the bot's inbox (unfenced: inserts are
 * idempotent by update id, and the lease's fence is the owner's alone) and answered here; the
 * owner is told (notify.ts) and processes it. The proxy forwards the parallel system's calls from
 * here (they are that system's calls, not the bot's: the ones that would disturb the owner —
 * getUpdates, the webhook calls, logOut, close — are never forwarded), and serves its update
 * stream from the store, its long polls woken by notices. The Topics API reaches bots owned
 * elsewhere through the front as well (`api`).
 *
 * A front lives as long as the instance: the listeners stay put while leases move, so a takeover
 * never rebinds a port.
 */
import type * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Schedule from "effect/Schedule";
import * as Layer from "effect/Layer";
import * as Runtime from "effect/Runtime";
import type * as Scope from "effect/Scope";
import type { BotConfig } from "../config/mod.ts";
import { displayName, titleStatusOf, topicTitle } from "../conversation/title.ts";
import type { ApiRunner } from "../admin/topics/resolve.ts";
import { Bot, type BotEnv } from "../pipeline/bot-env.ts";
import { withFreshIds } from "../pipeline/fresh-ids.ts";
import { type AcceptFrom, Inbox } from "../pipeline/inbox.ts";
import { BotStartError, cannotListen } from "../pipeline/start-error.ts";
import { nodeHttpClientLayer } from "../platform/http-client.ts";
import { loadBotIdentity } from "../store/bot-identity.ts";
import { smallestUpdateId } from "../store/inbox.ts";
import { query, Store, type StoreError, type StoreService } from "../store/store.ts";
import { mirrorsToParallel } from "../telegram/proxy/mirror.ts";
import { type ProxyHandle, proxyServer } from "../telegram/proxy/server.ts";
import { webhookReceiver } from "../telegram/webhook.ts";
import type { Logger } from "../util/log.ts";
import { syntheticUpdateIds } from "../util/synthetic-id.ts";
import type { Notifier } from "./notify.ts";
import { INBOX_RECHECK } from "./wake.ts";

/** What a front needs. */
export interface FrontOptions {
  readonly bot: BotConfig;
  readonly log: Logger;
  /** The store, unfenced. */
  readonly store: StoreService;
  readonly notifier: Notifier;
  /** How often a waiting long poll of the proxy looks at the store anyway, on the Clock (a notice may be lost; cluster/wake.ts). */
  readonly recheck?: Duration.DurationInput;
  /**
   * Wakes the bot's processor when the bot runs on this instance (nothing otherwise): what was
   * stored here is taken up without the round trip through the database, and without the
   * listening connection, should it be down.
   */
  readonly processorHere?: Effect.Effect<void>;
}

/** A bot's front on this instance. */
export interface Front {
  readonly botId: string;
  /** The webhook receiver's bound port, when the bot receives by webhook. */
  readonly webhookPort: number | undefined;
  /** The proxy, in `parallel: { mode: proxy }`. */
  readonly proxy: ProxyHandle | undefined;
  /** The Topics API's way to the bot; undefined until its owner connected it once (its identity is stored then). */
  readonly api: Effect.Effect<ApiRunner | undefined, StoreError>;
}

/** Opens bot `o.bot`'s front for the life of the Scope; a port that cannot be bound fails the start. */
export const startFront = (o: FrontOptions): Effect.Effect<Front, BotStartError | StoreError, Scope.Scope> =>
  Effect.gen(function* () {
    const { bot, log, store, notifier } = o;
    const db = store.db;
    const proxyMode = bot.parallel?.mode === "proxy" ? bot.parallel : undefined;
    const env: BotEnv = { botId: bot.id, groupId: bot.group, view: { id: bot.id, username: "", groupId: bot.group, params: bot.params }, log };
    // The inbox service as the bot's has it (decoding, dead letters, the parallel system's copy),
    // on the unfenced store; nothing processes it here, so it holds nothing decoded for a reader
    // (the bot's own inbox, when it runs here, is another).
    const inbox = yield* Effect.provide(Inbox, Inbox.layer({ holdDecoded: false, ...(proxyMode ? { mirror: mirrorsToParallel(bot.group) } : {}) }).pipe(
      Layer.provide(Layer.mergeAll(Layer.succeed(Store, store), Layer.succeed(Bot, env))),
    ));
    let proxy: ProxyHandle | undefined;
    // Whatever was stored here is the owner's to process, and (proxy mode) the long polls' to
    // serve: here at once, elsewhere through the notices.
    const accept = (updates: readonly unknown[], from: AcceptFrom) =>
      Effect.tap(inbox.accept(updates, from), (fresh) => {
        if (fresh === 0) return Effect.void;
        const stored = Effect.zipRight(o.processorHere ?? Effect.void, notifier.publish("inbox", bot.id));
        // Intercepted messages are never queued for the parallel system.
        if (!proxyMode || from.source === "proxy") return stored;
        return Effect.all([stored, proxy ? proxy.notify([]) : Effect.void, notifier.publish("proxy", bot.id)], { discard: true });
      });
    // This instance's own generator (another instance's may meet it, which `withFreshIds`
    // handles), made at first use: a thousand bots' fronts start without a query each.
    // (A failed read is tried again at the next use; two made at once: the first is kept.)
    let made: (() => number) | undefined;
    const generator = Effect.suspend(() =>
      made !== undefined
        ? Effect.succeed(made)
        : Effect.map(query("read the inbox's smallest id", () => smallestUpdateId(db, bot.id)), (smallest) => (made ??= syntheticUpdateIds(Date.now, smallest))));
    const listening = (what: string, listen: { host: string; port: number }) => Effect.mapError(cannotListen(bot.id, what, listen));

    let webhookPort: number | undefined;
    if (bot.updates === "webhook" && bot.webhook && bot.parallel?.mode !== "mtproto") {
      const w = bot.webhook;
      webhookPort = (yield* webhookReceiver({
        host: w.listen.host, port: w.listen.port, path: w.path, secret: w.secret, log,
        accept: (updates, texts) => accept(updates, { source: "webhook", texts }),
      }).pipe(listening("the webhook", w.listen))).port;
      log.info(`webhook receiver listening on ${w.listen.host}:${webhookPort} (every instance; the bot's owner processes)`);
    }

    if (proxyMode) {
      const listen = proxyMode.listen;
      proxy = yield* proxyServer({
        host: listen.host, port: listen.port, token: bot.token, apiRoot: bot.apiRoot, db, botId: bot.id, log: log.child("proxy"),
        push: { retryHours: proxyMode.webhookRetryHours, maxAttempts: proxyMode.webhookMaxAttempts },
        onIntercepted: (chatId, message, edited) =>
          Effect.flatMap(generator, (nextUpdateId) =>
            withFreshIds(nextUpdateId, 1, ([id]) =>
              accept([{ update_id: id, switchboard_intercepted: { chat_id: chatId, message, ...(edited ? { edited } : {}) } }], { source: "proxy", allFresh: true }))),
        pushedElsewhere: { tellOwner: notifier.publish("proxy", bot.id) },
      }).pipe(Effect.provide(nodeHttpClientLayer), listening("the Bot API proxy", listen));
      // Updates queued anywhere wake a long poll waiting here; the re-check, one lost meanwhile
      // (a wake-up with no poll waiting does nothing).
      const run = Runtime.runFork(yield* Effect.runtime<never>());
      const handle = proxy;
      yield* notifier.subscribe("proxy", bot.id, () => void run(handle.notify([])));
      yield* Effect.forkScoped(Effect.schedule(handle.notify([]), Schedule.spaced(o.recheck ?? INBOX_RECHECK)));
      log.info(`parallel mode: Bot API proxy listening on ${listen.host}:${proxy.port} (every instance)`);
    }

    let me: ApiRunner["me"] | undefined;
    const api = Effect.gen(function* () {
      me ??= yield* query("read the bot's identity", () => loadBotIdentity(db, bot.id));
      if (me === undefined) return undefined;
      const nextUpdateId = yield* generator;
      return {
        id: bot.id,
        me,
        nextUpdateId,
        inbox: { accept },
        // Without the plugins (they run on the owner): the title as the machine makes it, without a plugin's alias or ticker.
        topicTitleOf: (context, state, status) => {
          const shown = titleStatusOf(state, status);
          return shown && topicTitle(shown, context.user, displayName, undefined);
        },
      } satisfies ApiRunner;
    });
    return { botId: bot.id, webhookPort, proxy, api } satisfies Front;
  });
