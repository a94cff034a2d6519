/**
 * A deployment: every bot of a config on one store, as a Layer. Building the layer opens the
 * store and starts the bots (if one fails to start, the ones already started are stopped
 * again); releasing it stops them and closes the store. `runConfig` is the same as a promise,
 * for `switchboard run`, the sandbox and tests that start Switchboard in-process.
 */
import * as Cause from "effect/Cause";
import * as Clock from "effect/Clock";
import * as Context from "effect/Context";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Layer from "effect/Layer";
import * as ManagedRuntime from "effect/ManagedRuntime";
import * as TestClock from "effect/TestClock";
import * as TestContext from "effect/TestContext";
import { analyticsPageUrl } from "./admin/analytics/link.ts";
import { adminListener } from "./admin/server.ts";
import { type Coordinator, runCoordinator, START_CONCURRENCY } from "./cluster/coordinator.ts";
import { type Front, startFront } from "./cluster/front.ts";
import { guardedClient } from "./cluster/guard.ts";
import { pgNotifier } from "./cluster/notify.ts";
import { type ClusterSettings, clusterDefaults, clusterSwitchedOff } from "./cluster/settings.ts";
import type { Config } from "./config/mod.ts";
import { DEFAULT_ANALYTICS_RETENTION_DAYS } from "./config/defaults.ts";
import { foldAnalyticsDaily } from "./pipeline/analytics-retention.ts";
import { migratePlugins } from "./plugins/load.ts";
import { BotStartError, makeBot, type RunningBot, type StartBotOptions } from "./pipeline/bot.ts";
import { type Db, openWith } from "./store/open.ts";
import { layer as storeLayer, Store } from "./store/store.ts";
import { makePipelineTracer } from "./tracing/otlp.ts";
import { loggerFor, type Logger } from "./util/log.ts";

/** Options passed to every bot (tests and benchmarks tune these). */
export type RunOptions = Partial<Omit<StartBotOptions, "bot" | "log" | "index">> & {
  log?: Logger;
  /**
   * Run on Effect's `TestClock` (set to the real time at start): timers, backoff and album
   * settling then move only when a test calls `TestClock.adjust` through `Running.run`.
   */
  testClock?: boolean;
  /**
   * Several instances on PostgreSQL (cluster/): lease timings and instance id over the defaults,
   * or `false` to run every bot here without leases. SQLite always runs every bot here.
   */
  cluster?: Partial<ClusterSettings> | false;
};

/** What a running deployment offers. */
export interface DeploymentService {
  readonly db: Db;
  readonly bots: readonly RunningBot[];
  /** The admin listener's bound port, when `admin` is configured. */
  readonly adminPort: number | undefined;
  /** This instance's share of a deployment of several (PostgreSQL), or undefined when it runs every bot. */
  readonly cluster: Coordinator | undefined;
  /** With several instances, every bot's webhook receiver and proxy on this instance (cluster/front.ts), by bot id. */
  readonly fronts: ReadonlyMap<string, Front>;
}

/** See the module comment. */
export class Deployment extends Context.Tag("switchboard/Deployment")<Deployment, DeploymentService>() {
  /** Opens the store and runs every bot of `config` for the life of the layer. */
  static readonly layer = (config: Config, options: RunOptions = {}): Layer.Layer<Deployment, unknown> => {
    const root = options.log ?? loggerFor(config.log);
    const bots = Layer.scoped(
      Deployment,
      Effect.gen(function* () {
        const store = yield* Store;
        const { db } = store;
        // With several instances the coordinator's list, which changes as leases move.
        let bots: readonly RunningBot[] = [];
        let cluster: Coordinator | undefined;
        const fronts = new Map<string, Front>();
        // Before the bots, so its finalizer (posting the last spans) runs after they stopped.
        const tracer = options.tracer ?? (config.tracing ? yield* makePipelineTracer(config.tracing) : undefined);
        if (config.tracing) root.info(`tracing: spans go to ${config.tracing.otlpEndpoint} (sample ratio ${config.tracing.sampleRatio})`);
        // Before the bots: /healthz answers (and /readyz says who is still connecting) while
        // start-up waits for Telegram.
        const admin = config.admin;
        const adminPort = admin === undefined ? undefined : (yield* adminListener(admin, {
          db, botIds: config.bots.map((b) => b.id), bots: config.bots, running: () => bots, readyOutboxAgeMs: admin.readyOutboxAgeSeconds * 1000,
          owned: () => cluster?.owned,
          front: (botId) => fronts.get(botId)?.api ?? Effect.succeed(undefined),
        }).pipe(Effect.mapError((e) => new BotStartError(`admin: cannot listen on ${admin.listen.host}:${admin.listen.port}: ${errorText(e.cause)}`)))).port;
        const analyticsUrl = admin === undefined || adminPort === undefined ? undefined : analyticsPageUrl(admin, adminPort);
        if (admin !== undefined) root.info(`admin listener on ${admin.listen.host}:${adminPort}: /metrics, /healthz, /readyz, the Topics API (/api/bots/…), the analytics page ${analyticsUrl}${admin.token ? " (token required but for /healthz)" : ""}`);
        // What every bot gets, here or through the coordinator.
        const shared = { ...options, analyticsUrl, ...(tracer ? { tracer } : {}) };
        cluster = options.cluster !== false && !clusterSwitchedOff() && store.dialect.fenced !== undefined
          ? yield* startCluster(config, shared, root, store, fronts)
          : undefined;
        if (cluster) bots = cluster.running;
        else {
          // Plugins' migrations once for every bot (each bot's would run ~10 statements per plugin:
          // ~50 ms of CPU a bot), then the bots a few at a time, kept in config order.
          yield* Effect.tryPromise({ try: () => migratePlugins(db, config.bots), catch: (e) => e });
          // Each bot is listed as soon as it runs (/readyz, /metrics and the Topics API see it), in config order.
          const here: { index: number; bot: RunningBot }[] = [];
          yield* Effect.forEach(config.bots, (bot, index) =>
            Effect.map(makeBot({ ...shared, bot, index, log: root.child(bot.id, { bot: bot.id }), pluginsMigrated: true }), (running) => {
              here.push({ index, bot: running });
              here.sort((x, y) => x.index - y.index);
              bots = here.map((h) => h.bot);
            }), { concurrency: START_CONCURRENCY, discard: true });
        }
        yield* foldAnalyticsDaily(db, config.bots.map((b) => b.id), config.analytics?.retentionDays ?? DEFAULT_ANALYTICS_RETENTION_DAYS, root);
        return { db, get bots() { return bots; }, adminPort, cluster, fronts };
      }),
    ).pipe(Layer.provide(storeLayer(config.storage)));
    if (!options.testClock) return bots;
    const startAtNow = Layer.effectDiscard(TestClock.setTime(Date.now()));
    return Layer.provide(bots, Layer.provideMerge(startAtNow, TestContext.TestContext));
  };
}

/**
 * Runs this instance's share of the bots (cluster/coordinator.ts): each bot on a store handle
 * fenced by its lease and a Bot API client guarded by it, with long polls that end within a
 * lease. Leases are timed on the real clock even under `testClock`: they are about processes,
 * while the TestClock moves the pipeline's own timers.
 */
const startCluster = (config: Config, options: RunOptions, root: Logger, store: Context.Tag.Service<typeof Store>, fronts: Map<string, Front>) =>
  Effect.gen(function* () {
    const settings: ClusterSettings = { ...clusterDefaults(), ...(options.cluster || {}) };
    const pipelineClock = yield* Effect.clock;
    const leaseClock = options.testClock ? Clock.make() : pipelineClock;
    const pollTimeoutSeconds = Math.min(options.pollTimeoutSeconds ?? settings.pollTimeoutSeconds, settings.pollTimeoutSeconds);
    const leaseDb = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => openWith(store.dialect, config.storage), catch: (e) => e }),
      (db) => Effect.promise(() => db.destroy().catch(() => undefined)),
    );
    // Once, outside any bot's fence: bots moving between instances must not run schema changes.
    yield* Effect.tryPromise({ try: () => migratePlugins(store.db, config.bots), catch: (e) => e });
    // Every bot's doors to the outside open here whoever owns the bot, before any bot starts.
    const notifier = yield* pgNotifier(config.storage, store.db, root.child("cluster"));
    const recheck = Duration.millis(settings.inboxRecheckMs ?? clusterDefaults().inboxRecheckMs!);
    // The bots running here, once the coordinator runs: what a front stores for one wakes it directly.
    let coordinator: Coordinator | undefined;
    const processorHere = (botId: string) => Effect.suspend(() => coordinator?.running.find((b) => b.id === botId)?.inbox.wake ?? Effect.void);
    for (const bot of config.bots) fronts.set(bot.id, yield* startFront({ bot, log: root.child(bot.id, { bot: bot.id }), store, notifier, recheck, processorHere: processorHere(bot.id) }));
    const fronted = { notifier, inboxRecheck: recheck, proxyHere: (botId: string) => Effect.suspend(() => fronts.get(botId)?.proxy?.notify([]) ?? Effect.void) };
    coordinator = yield* runCoordinator({
      store, leaseDb, settings, botIds: config.bots.map((b) => b.id), log: root.child("cluster"), notifier, liveness: { url: config.storage },
      startBot: (botId, botStore, renewal, takeover) => {
        const index = config.bots.findIndex((b) => b.id === botId);
        const bot = config.bots[index];
        return makeBot({
          ...options, pollTimeoutSeconds, bot, index, log: root.child(bot.id, { bot: bot.id }), pluginsMigrated: true, fronted, takeover,
          guardClient: (client) => guardedClient(client, renewal, settings.ttlMs, settings.callMarginMs, leaseClock),
        }).pipe(Effect.provideService(Store, botStore), Effect.withClock(pipelineClock));
      },
    }).pipe(Effect.withClock(leaseClock));
    return coordinator;
  });

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** A running deployment. */
export interface Running extends DeploymentService {
  /** Runs an Effect in the deployment's runtime (e.g. `TestClock.adjust` under `testClock`). */
  run<A, E>(effect: Effect.Effect<A, E>): Promise<A>;
  /** Stops every bot gracefully and closes the store. */
  stop(): Promise<void>;
}

/** Starts a deployment; rejects with the original error (a `BotStartError`, say) if it cannot start. */
export async function runConfig(config: Config, options: RunOptions = {}): Promise<Running> {
  const runtime = ManagedRuntime.make(Deployment.layer(config, options));
  const started = await runtime.runPromiseExit(Deployment);
  if (Exit.isFailure(started)) {
    await runtime.dispose();
    throw Cause.squash(started.cause);
  }
  return {
    ...started.value,
    run: (effect) => runtime.runPromise(effect),
    stop: () => runtime.dispose(),
  };
}
