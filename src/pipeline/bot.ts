/**
 * One bot, wired end to end: source → inbox → processor (router + stepper) → outbox → delivery,
 * plus timers and the plugins' background work. `makeBot` connects the bot and runs all of it
 * as fibers in the caller's Scope: closing the Scope stops the bot gracefully (sources first,
 * then the pipeline, which finishes the batch and the calls in hand), and queued work stays in
 * the store for the next start.
 */
import type { Update, UserFromGetMe } from "@grammyjs/types";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Context from "effect/Context";
import * as Runtime from "effect/Runtime";
import * as Schedule from "effect/Schedule";
import type * as Scope from "effect/Scope";
import type { BotConfig } from "../config/mod.ts";
import { createConversationMachine } from "../conversation/machine.ts";
import type { ConversationContext } from "../conversation/machine.ts";
import { displayName, titleStatusOf, topicTitle } from "../conversation/title.ts";
import { loadPlugins } from "../plugins/load.ts";
import { Plugins } from "../plugins/service.ts";
import { chatOfTopic, type ConversationRow } from "../store/conversations.ts";
import { pruneInbox } from "../store/inbox.ts";
import { chatOfTopicMessage } from "../store/message-map.ts";
import { query, Store } from "../store/store.ts";
import { saveBotIdentity } from "../store/bot-identity.ts";
import { readStartState } from "../store/start-state.ts";
import type { Notifier } from "../cluster/notify.ts";
import { wakeOnNotify } from "../cluster/wake.ts";
import { TelegramApi } from "../telegram/api.ts";
import { makeTelegramClient, type TelegramClient } from "../telegram/client.ts";
import { downloadText } from "../telegram/download-file.ts";
import { uploadDocument } from "../telegram/upload-document.ts";
import { connect } from "../telegram/connect.ts";
import { identityRecheck, recheckIdentity, sameBot, sameIdentity } from "./stored-identity.ts";
import { OwnSends } from "../telegram/mtproto/own-sends.ts";
import type { MtprotoClientFactory, MtprotoSession } from "../telegram/mtproto/session.ts";
import { mirrorsToParallel } from "../telegram/proxy/mirror.ts";
import type { ProxyHandle } from "../telegram/proxy/server.ts";
import { botTracing, type PipelineTracer } from "../tracing/pipeline-spans.ts";
import type { Logger } from "../util/log.ts";
import { syntheticUpdateIds } from "../util/synthetic-id.ts";
import { Bot, type BotEnv } from "./bot-env.ts";
import { Delivery, type DeliveryService } from "./delivery/lanes.ts";
import { PairsInFlight } from "./delivery/pairs-in-flight.ts";
import { acceptKeyed } from "./fresh-ids.ts";
import { Inbox, type InboxService } from "./inbox.ts";
import { Outbox } from "./outbox.ts";
import { Processor, type ProcessorStats } from "./processor.ts";
import { ReceiveHealth } from "./receive-health.ts";
import { limitsFromConfig, type RateLimitConfig } from "./rate-limits.ts";
import { startSource } from "./sources.ts";
import { buildInOrder } from "./layers-in-order.ts";
import { BotStartError } from "./start-error.ts";
export { BotStartError };
import { Stepper, type StepperService } from "./stepper.ts";
import { Timers, type TimersService } from "./timers.ts";

/** Settings beyond the bot's config section (mostly for tests and benchmarks). */
export interface StartBotOptions {
  bot: BotConfig;
  /** The bot's position in the config, for error messages (`bots[i]…`). */
  index?: number;
  log: Logger;
  /** The analytics page's address, for `/stats` (see BotView). */
  analyticsUrl?: string;
  /** Overrides the config's `limits` (tests and benchmarks). */
  limits?: RateLimitConfig;
  pollTimeoutSeconds?: number;
  albumSettleMs?: number;
  /** The longest the timers sleep between looks, on the Clock (default an hour; they also wake when a timer is set). */
  timerIntervalMs?: number;
  /** Builds the MTProto client in `parallel: { mode: mtproto }` (tests answer from a fake server). */
  mtprotoClient?: MtprotoClientFactory;
  /** The deployment's tracer, when `tracing` is configured. */
  tracer?: PipelineTracer;
  /** The plugins' migrations already ran on the store (several instances: once at start, unfenced). */
  pluginsMigrated?: boolean;
  /**
   * Several instances: the bot ran on another instance until just now (the coordinator took its
   * lease after the first round). The identity that owner stored stands in for getMe, which is
   * asked in the background a little later (store/bot-identity.ts, stored-identity.ts). A first
   * start always asks Telegram, so a wrong token still fails the start-up.
   */
  takeover?: boolean;
  /** Wraps the Bot API client (several instances: the lease's guard, cluster/guard.ts). */
  guardClient?: (client: TelegramClient) => TelegramClient;
  /**
   * Several instances: the webhook receiver and the proxy listen on every instance
   * (cluster/front.ts), not in the bot, and store into the shared inbox; the bot (run by its
   * owner) keeps what only the owner does — setWebhook, polling, the parallel system's webhook
   * pushes — and is woken by the other instances' notices.
   */
  fronted?: Fronted;
}

/** See {@link StartBotOptions.fronted}. */
export interface Fronted {
  readonly notifier: Notifier;
  /** The slow re-check of the inbox and of the pusher to a parallel system's webhook, on the Clock (default cluster/wake.ts `INBOX_RECHECK`). */
  readonly inboxRecheck?: Duration.DurationInput;
  /** Wakes this instance's proxy long polls for a bot (its front), without the round trip through the database. */
  readonly proxyHere?: (botId: string) => Effect.Effect<void>;
}

/** A running bot: its identity and the live services tests, the sandbox and benchmarks look at. */
export interface RunningBot {
  readonly id: string;
  readonly me: UserFromGetMe;
  readonly client: TelegramClient;
  readonly stepper: StepperService;
  /** The bot's inbox (its `deadLettered` counter: updates set aside since start). */
  readonly inbox: InboxService;
  readonly processor: ProcessorStats;
  readonly delivery: DeliveryService;
  readonly timers: TimersService;
  /** The Bot API proxy for a parallel system (`parallel: { mode: proxy }`). */
  readonly proxy: ProxyHandle | undefined;
  /** The MTProto session, when `parallel: { mode: mtproto }`. */
  readonly mtproto: MtprotoSession | undefined;
  /** The bound port of the webhook receiver, when `updates: webhook`. */
  readonly webhookPort: number | undefined;
  /** The bot's one generator of synthetic update ids (proxy, MTProto and Topics API share it, so none collide). */
  readonly nextUpdateId: () => number;
  /** Whether the bot's source receives (for `/readyz`). */
  readonly receiving: ReceiveHealth;
  /** The conversation's current row, or undefined for a user never seen. */
  conversation(chatId: number): Promise<ConversationRow | undefined>;
  /** The title a conversation's topic has in its state (with plugins' aliases and tickers), if it has a topic. */
  topicTitleOf(context: ConversationContext, state: string, status: string | undefined): string | undefined;
  /** Fires every due timer now. */
  fireTimers(): Promise<void>;
}

/** Connects one bot and runs its pipeline for the life of the current Scope. */
export const makeBot = (o: StartBotOptions): Effect.Effect<RunningBot, unknown, Store | Scope.Scope> =>
  Effect.gen(function* () {
    const { db } = yield* Store;
    const { bot, log } = o;
    const unguarded = makeTelegramClient(bot.token, bot.apiRoot);
    const apiClient = o.guardClient ? o.guardClient(unguarded) : unguarded;
    const mtproto = bot.parallel?.mode === "mtproto" ? bot.parallel : undefined;
    // In MTProto mode our own sends come back as outgoing messages: remember them (own-sends.ts).
    const ownSends = mtproto ? new OwnSends({ db, botId: bot.id, log }) : undefined;
    const client = ownSends ? ownSends.wrap(apiClient) : apiClient;
    // Plugins load before Telegram is reached, so a config mistake fails at once; the username
    // they see is filled in by getMe right after.
    const view = { id: bot.id, username: "", groupId: bot.group, params: bot.params, ...(o.analyticsUrl ? { analyticsUrl: o.analyticsUrl } : {}) };
    const plugins = yield* Effect.tryPromise({ try: () => loadPlugins(bot, o.index ?? 0, view, log, db, o.pluginsMigrated), catch: (error) => error });
    // Their services are released after everything that may call a hook has stopped.
    yield* Effect.addFinalizer(() => Effect.promise(() => plugins.dispose()));
    // One statement for everything the start reads (store/start-state.ts).
    const state = yield* query("read the bot's state", () => readStartState(db, bot.id));
    const getMe = connect({ client, botId: bot.id, log }).pipe(Effect.mapError((e) => new BotStartError(e.message)));
    const stored = o.takeover ? sameBot(state.identity, bot.token) : undefined;
    const me = stored ?? (yield* getMe);
    view.username = me.username;
    // The other instances' fronts name the bot by it (the Topics API), without calling Telegram;
    // and the next owner starts with it (`takeover`).
    const record = (me: UserFromGetMe) => query("record the bot's identity", () => saveBotIdentity(db, bot.id, me));
    if (o.fronted && !stored && !sameIdentity(me, state.identity)) yield* record(me);
    // Taken over with the last owner's identity: Telegram is asked once the burst of starts is over.
    if (stored) yield* Effect.forkScoped(Effect.delay(recheckIdentity(getMe, stored, view, record, log), identityRecheck));

    const nameOf = (user: Parameters<typeof displayName>[0]) => plugins.nameOf(user, view) ?? displayName(user);
    const machine = createConversationMachine({ iconColor: plugins.topicIconColor(view), nameOf, hideGroupSenders: bot.params.hide_info.includes("name"), suffixOf: (data) => plugins.titleSuffix(data, view) });
    const env: BotEnv = { botId: bot.id, groupId: bot.group, view, log, ...(o.tracer ? { tracing: botTracing(o.tracer, bot.id) } : {}) };
    const proxyMode = bot.parallel?.mode === "proxy" ? bot.parallel : undefined;

    const pairsInFlight = new PairsInFlight();
    // Copies sent from now on are newer than any recorded: a reaction on an older message after a
    // restart does not wait for them.
    pairsInFlight.seen(state.newestTopicMessageId);
    const router = {
      botId: me.id, groupId: bot.group,
      // Read at each command: a takeover's stored identity may be replaced by getMe's (stored-identity.ts).
      get botUsername() {
        return view.username;
      },
      chatOfTopic: (topicId: number) => chatOfTopic(db, bot.id, topicId),
      // A reaction may come before the reacted copy's pair is committed: the sends in flight that
      // could have made it are asked first (pairs-in-flight.ts).
      chatOfTopicMessage: (messageId: number) => pairsInFlight.lookUp(messageId, () => chatOfTopicMessage(db, bot.id, messageId)),
      sawGroupMessage: (messageId: number) => pairsInFlight.seen(messageId),
    };
    // One layer after another, not one composed graph: a tenth of the CPU (layers-in-order.ts).
    const base = Context.make(Bot, env).pipe(Context.add(TelegramApi, client), Context.add(Plugins, plugins));
    const pipeline = yield* buildInOrder(base, [
      Outbox.layer,
      Inbox.layer(proxyMode ? { mirror: mirrorsToParallel(bot.group) } : {}),
      Stepper.layer(machine),
      Delivery.layer({ limits: o.limits ?? limitsFromConfig(bot.limits), pairsInFlight, ...(o.albumSettleMs !== undefined ? { albumSettle: Duration.millis(o.albumSettleMs) } : {}) }),
      Processor.layer(router),
      Timers.layer(o.timerIntervalMs === undefined ? undefined : Duration.millis(o.timerIntervalMs)),
    ]) as Effect.Effect<Context.Context<Bot | TelegramApi | Plugins | Outbox | Inbox | Stepper | Delivery | Processor | Timers>, unknown, Scope.Scope>;

    return yield* Effect.gen(function* () {
      const stepper = yield* Stepper;
      const inbox = yield* Inbox;
      const runtime = yield* Effect.runtime<Inbox>();
      // Real time, not the Clock: these are identities, not timing.
      const nextUpdateId = syntheticUpdateIds(Date.now, state.smallestUpdateId);
      // Another instance's generator may have handed out the same ids (fresh-ids.ts).
      const accept = (updates: readonly Update[], sourceKey: (u: Update) => string | undefined) =>
        Runtime.runPromise(runtime)(acceptKeyed(inbox, nextUpdateId, updates, sourceKey));
      // Plugins' background work reports into conversations through the stepper (PluginEnv.report).
      const step = Runtime.runPromise(yield* Effect.runtime<never>());
      plugins.attach((chatId, event) => step(Effect.asVoid(stepper.apply([{ chatId, event }]))));
      // Background sends (broadcasts) share the relaying's limiter and yield to its lanes.
      const delivery = yield* Delivery;
      plugins.attachTelegram({
        client,
        reserve: (chatId, now, ro) => delivery.limiter.reserve(chatId, now, { ...ro, background: true }),
        settled: (chatId, now) => delivery.limiter.settled(chatId, now),
        relayBusy: (now) => {
          if (delivery.activeLanes === 0) return false;
          if (now === undefined) return true;
          const { used, share } = delivery.limiter.backgroundShare(now);
          return used >= share;
        },
        uploadDocument: (upload) => uploadDocument(client, upload),
        downloadText: (fileId, maxBytes) => Effect.runPromise(Effect.mapError(downloadText(client, bot.token, fileId, maxBytes), (e) => new Error("description" in e ? e.description : e.reason))),
      });
      // Work left from a previous run is already under way; now the plugins' own queues (webhooks).
      yield* plugins.run;
      const receiving = new ReceiveHealth();
      const source = yield* startSource({ ...o, me, client, accept, inbox, ownSends, health: receiving, nextUpdateId, lastUpdateId: state.lastUpdateId });
      if (o.fronted) yield* wakeOnNotify(o.fronted.notifier, bot.id, inbox, o.fronted.inboxRecheck);

      // Telegram keeps unconfirmed updates 24 h at most, so older processed rows can never recur.
      const prune = Effect.gen(function* () {
        const before = (yield* Effect.clockWith((c) => c.currentTimeMillis)) - 24 * 3600_000;
        yield* Effect.tryPromise(() => pruneInbox(db, bot.id, before)).pipe(Effect.catchAll((e) => Effect.sync(() => log.warn("inbox pruning failed", { error: String(e.error) }))));
        if (ownSends) yield* Effect.tryPromise(() => ownSends.prune(before)).pipe(Effect.catchAll((e) => Effect.sync(() => log.warn("own-send pruning failed", { error: String(e.error) }))));
      });
      yield* Effect.forkScoped(Effect.schedule(prune, Schedule.spaced("1 hour")));

      const timers = yield* Timers;
      const run = Runtime.runPromise(runtime);
      return {
        id: bot.id, me, client, stepper, inbox,
        processor: yield* Processor,
        delivery: yield* Delivery,
        timers,
        proxy: source.proxy,
        mtproto: source.mtproto,
        webhookPort: source.webhookPort,
        receiving,
        nextUpdateId,
        conversation: (chatId) => run(stepper.rowOf(chatId)),
        topicTitleOf: (context, state, status) => {
          const shown = titleStatusOf(state, status);
          return shown && topicTitle(shown, context.user, nameOf, plugins.titleSuffix(context.data ?? {}, view));
        },
        fireTimers: () => run(timers.tick),
      } satisfies RunningBot;
    }).pipe(Effect.provide(pipeline));
  });
