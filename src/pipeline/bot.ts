/**
 * One bot, wired end to end: source → inbox → processor (router + registry) → outbox →
 * delivery. `startBot` returns once the bot is connected; `stop()` drains gracefully.
 */
import type { Update, UserFromGetMe } from "@grammyjs/types";
import { Effect, Exit, Fiber, Scope } from "effect";
import type { BotConfig } from "../config/mod.ts";
import { createConversationMachine } from "../conversation/machine.ts";
import { displayName } from "../conversation/title.ts";
import { ConversationRegistry } from "../conversation/registry.ts";
import { nodeHttpClientLayer } from "../platform/http-client.ts";
import { loadPlugins } from "../plugins/load.ts";
import { chatOfTopic } from "../store/conversations.ts";
import { chatOfTopicMessage } from "../store/message-map.ts";
import { acceptUpdates, lastUpdateId, pruneInbox } from "../store/inbox.ts";
import type { Db } from "../store/open.ts";
import { makeTelegramClient, type TelegramClient } from "../telegram/client.ts";
import { connect, setWebhook } from "../telegram/connect.ts";
import { runPolling } from "../telegram/polling.ts";
import { mirrorsToParallel } from "../telegram/proxy/mirror.ts";
import { type ProxyHandle, proxyServer } from "../telegram/proxy/server.ts";
import { webhookReceiver } from "../telegram/webhook.ts";
import { OwnSends } from "../telegram/mtproto/own-sends.ts";
import { type MtprotoClientFactory, type MtprotoSession, MtprotoStartError, startMtprotoSession } from "../telegram/mtproto/session.ts";
import { syntheticUpdateIds } from "../util/synthetic-id.ts";
import type { Logger } from "../util/log.ts";
import { Delivery } from "./delivery.ts";
import { Processor } from "./processor.ts";
import { TimerService } from "./timers.ts";
import { limitsFromConfig, type RateLimitConfig, RateLimiter } from "./rate-limits.ts";

/** Settings beyond the bot's config section (mostly for tests and benchmarks). */
export interface StartBotOptions {
  db: Db;
  bot: BotConfig;
  /** The bot's position in the config, for error messages (`bots[i]…`). */
  index?: number;
  log: Logger;
  /** Overrides the config's `limits` (tests and benchmarks). */
  limits?: RateLimitConfig;
  pollTimeoutSeconds?: number;
  albumSettleMs?: number;
  /** How often due timers are checked (real time; default 1 s). */
  timerIntervalMs?: number;
  clock?: () => number;
  /** Builds the MTProto client in `parallel: { mode: mtproto }` (tests answer from a fake server). */
  mtprotoClient?: MtprotoClientFactory;
}

/** A running bot. */
export interface RunningBot {
  readonly id: string;
  readonly me: UserFromGetMe;
  readonly client: TelegramClient;
  readonly registry: ConversationRegistry;
  readonly processor: Processor;
  readonly delivery: Delivery;
  readonly timers: TimerService;
  /** The Bot API proxy for a parallel system (`parallel: { mode: proxy }`). */
  readonly proxy: ProxyHandle | undefined;
  /** The MTProto session, when `parallel: { mode: mtproto }`. */
  readonly mtproto: MtprotoSession | undefined;
  /** The bound port of the webhook receiver, when `updates: webhook`. */
  readonly webhookPort: number | undefined;
  stop(): Promise<void>;
}

/** Thrown when a bot cannot start for a reason retrying will not fix (wrong token). */
export class BotStartError extends Error {
  override readonly name = "BotStartError";
}

/** Connects one bot and starts its pipeline. */
export async function startBot(o: StartBotOptions): Promise<RunningBot> {
  const { db, bot, log } = o;
  const clock = o.clock ?? Date.now;
  const apiClient = Effect.runSync(makeTelegramClient(bot.token, bot.apiRoot).pipe(Effect.provide(nodeHttpClientLayer)));
  const mtproto = bot.parallel?.mode === "mtproto" ? bot.parallel : undefined;
  // In MTProto mode our own sends come back as outgoing messages: remember them (own-sends.ts).
  const ownSends = mtproto ? new OwnSends({ db, botId: bot.id, log, clock }) : undefined;
  const client = ownSends ? ownSends.wrap(apiClient) : apiClient;
  // Plugins load before Telegram is reached, so a config mistake fails at once; the username
  // they see is filled in by getMe right after.
  const view = { id: bot.id, username: "", groupId: bot.group, params: bot.params };
  const plugins = await loadPlugins(bot, o.index ?? 0, view, log, db);
  const me = await startupCall(connect({ client, botId: bot.id, log }));
  view.username = me.username;

  const machine = createConversationMachine({
    iconColor: plugins.topicIconColor(view),
    nameOf: (user) => plugins.nameOf(user, view) ?? displayName(user),
  });
  const registry = new ConversationRegistry({ db, bot: view, machine, plugins, log, clock });
  const delivery = new Delivery({
    db, botId: bot.id, groupId: bot.group, client, registry, log, clock,
    nameOf: (user) => plugins.nameOf(user, view) ?? displayName(user),
    limiter: new RateLimiter(o.limits ?? limitsFromConfig(bot.limits), clock),
    ...(o.albumSettleMs !== undefined ? { albumSettleMs: o.albumSettleMs } : {}),
  });
  const processor = new Processor({
    db, botId: bot.id, registry, delivery, log,
    router: { botId: me.id, botUsername: me.username, groupId: bot.group, chatOfTopic: (topicId) => chatOfTopic(db, bot.id, topicId),
      chatOfTopicMessage: (messageId) => chatOfTopicMessage(db, bot.id, messageId),
    },
  });
  const proxyMode = bot.parallel?.mode === "proxy" ? bot.parallel : undefined;
  const mirror = proxyMode ? mirrorsToParallel(bot.group) : undefined;
  let proxy: ProxyHandle | undefined;
  // The HTTP servers (proxy, webhook receiver) live in this scope; stopping closes it.
  const servers = Effect.runSync(Scope.make());
  /** Saves updates in the inbox and wakes the processor; returns how many were new. */
  const acceptCounting = async (updates: Update[], sourceKey?: (u: Update) => string | undefined) => {
    const fresh = await acceptUpdates(db, bot.id, updates, clock(), { ...(mirror ? { mirror } : {}), ...(sourceKey ? { sourceKey } : {}) });
    processor.kick();
    if (proxy) Effect.runSync(proxy.notify);
    return fresh;
  };
  const accept = async (updates: Update[]) => void await acceptCounting(updates);
  if (proxyMode) {
    const nextId = syntheticUpdateIds(clock);
    proxy = await Effect.runPromise(Scope.extend(proxyServer({
      host: proxyMode.listen.host, port: proxyMode.listen.port, token: bot.token, apiRoot: bot.apiRoot, db, botId: bot.id, log: log.child("proxy"),
      // Through the inbox, with a negative id: durable, and stepped in arrival order.
      onIntercepted: (chatId, message, edited) =>
        Effect.tryPromise(() => accept([{ update_id: nextId(), switchboard_intercepted: { chat_id: chatId, message, ...(edited ? { edited } : {}) } } as unknown as Update])),
    }), servers).pipe(Effect.provide(nodeHttpClientLayer)));
    log.info(`parallel mode: Bot API proxy for the other system listening on ${proxyMode.listen.host}:${proxy.port}`);
  }
  const announce = (how: string) => log.info(`connected as @${me.username} (id ${me.id}), receiving updates by ${how}`, { group: bot.group });

  const timers = new TimerService({ db, botId: bot.id, registry, delivery, log, clock, ...(o.timerIntervalMs ? { intervalMs: o.timerIntervalMs } : {}) });
  timers.start();

  // Work left from a previous run (crash or stop) goes first, the plugins' own queues (webhooks) too.
  processor.kick();
  await delivery.resume();
  plugins.start();

  let source: Fiber.RuntimeFiber<never, never> | undefined;
  let webhook: { readonly port: number } | undefined;
  let session: MtprotoSession | undefined;
  let pruning: ReturnType<typeof setInterval> | undefined;
  const stopAll = async () => {
    clearInterval(pruning);
    await timers.stop();
    if (source) await Effect.runPromise(Fiber.interrupt(source));
    await session?.stop();
    await Effect.runPromise(Scope.close(servers, Exit.void));
    await processor.stop();
    await delivery.stop();
    await plugins.dispose();
  };
  try {
    await startSource();
  } catch (error) {
    // Nothing may keep running on a store the caller is about to close.
    await stopAll().catch(() => {});
    throw error;
  }

  // Telegram keeps unconfirmed updates 24 h at most, so older processed rows can never recur.
  pruning = setInterval(() => {
    const before = clock() - 24 * 3600_000;
    pruneInbox(db, bot.id, before).catch((e) => log.warn("inbox pruning failed", { error: String(e) }));
    ownSends?.prune(before).catch((e) => log.warn("own-send pruning failed", { error: String(e) }));
  }, 10 * 60_000);
  (pruning as { unref?: () => void }).unref?.();

  return { id: bot.id, me, client, registry, processor, delivery, timers, proxy, mtproto: session, webhookPort: webhook?.port, stop: stopAll };

  /** MTProto session, webhook or long polling: where this bot's updates come from. */
  async function startSource(): Promise<void> {
    if (mtproto && ownSends) {
      // The other system owns getUpdates and the webhook: never call getUpdates, setWebhook or
      // deleteWebhook for this bot. Everything arrives through the MTProto session.
      if (bot.updates === "webhook") {
        log.warn(`updates: webhook is ignored in parallel mode "mtproto": the bot's webhook belongs to the other system, and Switchboard receives through MTProto`);
      }
      session = await startMtprotoSession({
        db, botId: bot.id, token: bot.token, apiId: mtproto.apiId, apiHash: mtproto.apiHash, log: log.child("mtproto"), ownSends, clock,
        me: { id: me.id, first_name: me.first_name, username: me.username }, accept: acceptCounting,
        ...(o.mtprotoClient ? { createClient: o.mtprotoClient } : {}),
      }).catch((e: unknown) => {
        throw e instanceof MtprotoStartError ? new BotStartError(`bot "${bot.id}": ${e.message}`) : e;
      });
      announce("an MTProto session (parallel mode: the other system keeps its getUpdates or webhook)");
    } else if (bot.updates === "webhook" && bot.webhook) {
      const w = bot.webhook;
      webhook = await Effect.runPromise(Scope.extend(
        webhookReceiver({ host: w.listen.host, port: w.listen.port, path: w.path, secret: w.secret, log, accept: (updates) => Effect.tryPromise(() => accept([...updates])) }),
        servers,
      ));
      await startupCall(setWebhook({ client, botId: bot.id, log, url: w.url, secret: w.secret }));
      announce(`webhook (${w.url}, listening on ${w.listen.host}:${webhook.port})`);
    } else {
      const last = await lastUpdateId(db, bot.id);
      source = Effect.runFork(runPolling({
        client, log, lastUpdateId: last, accept: (updates) => Effect.tryPromise(() => accept([...updates])),
        timeoutSeconds: o.pollTimeoutSeconds, onConnected: Effect.sync(() => announce("polling")),
      }));
    }
  }
}

/** Runs a start-up call (telegram/connect.ts); its failure becomes a BotStartError. */
async function startupCall<A>(call: Effect.Effect<A, { readonly message: string }>): Promise<A> {
  const result = await Effect.runPromise(Effect.either(call));
  if (result._tag === "Left") throw new BotStartError(result.left.message);
  return result.right;
}
