/**
 * Switchboard's counters and histograms, kept with Effect's `Metric` module (its process-wide
 * registry is the one source of truth; `/metrics` renders `Metric.snapshot`, see prometheus.ts).
 *
 * Each bot gets its own metric objects with the `bot` label baked into the key, created once
 * when the bot starts: an update on the hot path is then a cached hook lookup and an addition,
 * with no label set merged or key hashed per message (which `Metric.tagged` would do). The hot
 * path counts with {@link record} in the body of the Effect doing the work, as it keeps its
 * plain stats counters: about 20 ns, against about 1 µs for `yield* Metric.incrementBy` (an
 * extra Effect and FiberRef read per count; measured on this machine).
 * Gauges that need a query (outbox depth, inbox lag, dialogs by state) are not here: they are
 * read from the store when `/metrics` is scraped (gauges.ts).
 */
import * as Metric from "effect/Metric";
import * as MetricBoundaries from "effect/MetricBoundaries";
import * as MetricKey from "effect/MetricKey";

/** Seconds from a row's queueing to Telegram's answer: milliseconds on a quiet bot, minutes behind a 429. */
const LATENCY_SECONDS = MetricBoundaries.fromIterable([0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]);
/** Seconds of one step's commit: a millisecond on SQLite, more on a remote PostgreSQL. */
const TRANSACTION_SECONDS = MetricBoundaries.fromIterable([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);

/** The metrics of one bot. */
export interface BotMetrics {
  /** New updates saved in the inbox (duplicates Telegram sent again are not counted). */
  readonly updatesReceived: Metric.Metric.Counter<number>;
  /** Conversation steps committed (one per routed update or delivery result). */
  readonly steps: Metric.Metric.Counter<number>;
  /** Users' messages copied into their topics. */
  readonly relayedToOperators: Metric.Metric.Counter<number>;
  /** Operators' answers copied to users. */
  readonly relayedToUsers: Metric.Metric.Counter<number>;
  /** Messages of a parallel system intercepted through the proxy. */
  readonly intercepted: Metric.Metric.Counter<number>;
  /** Delivery attempts postponed for a retry (any cause). */
  readonly retries: Metric.Metric.Counter<number>;
  /** Of those, 429 Too Many Requests. */
  readonly rateLimited: Metric.Metric.Counter<number>;
  /** Outbox rows given up (blocked user, bad request …). */
  readonly dropped: Metric.Metric.Counter<number>;
  /** Seconds from queueing to delivery, per delivered outbox row. */
  readonly deliveryLatency: Metric.Metric.Histogram<number>;
  /** Seconds of the step's store transaction. */
  readonly storeTransaction: Metric.Metric.Histogram<number>;
}

const counter = (name: string, description: string, botId: string, more: Record<string, string> = {}): Metric.Metric.Counter<number> => {
  let key = MetricKey.counter(name, { description, incremental: true }).pipe(MetricKey.tagged("bot", botId));
  for (const [k, v] of Object.entries(more)) key = MetricKey.tagged(key, k, v);
  return Metric.fromMetricKey(key).register();
};

const histogram = (name: string, description: string, boundaries: MetricBoundaries.MetricBoundaries, botId: string): Metric.Metric.Histogram<number> =>
  Metric.fromMetricKey(MetricKey.histogram(name, boundaries, description).pipe(MetricKey.tagged("bot", botId))).register();

const byBot = new Map<string, BotMetrics>();

/** The metrics of `botId`, registered (at zero) on first use so a scrape lists them before anything happened. */
export function botMetrics(botId: string): BotMetrics {
  const known = byBot.get(botId);
  if (known) return known;
  const relayed = "Messages relayed, by direction: to_operators (user → topic) or to_users (operators → user: replies, templates, Topics API texts).";
  const metrics: BotMetrics = {
    updatesReceived: counter("switchboard_updates_received_total", "Updates saved in the inbox (new ones only).", botId),
    steps: counter("switchboard_steps_total", "Conversation steps committed.", botId),
    relayedToOperators: counter("switchboard_messages_relayed_total", relayed, botId, { direction: "to_operators" }),
    relayedToUsers: counter("switchboard_messages_relayed_total", relayed, botId, { direction: "to_users" }),
    intercepted: counter("switchboard_intercepted_total", "Messages of the parallel system intercepted through the proxy.", botId),
    retries: counter("switchboard_delivery_retries_total", "Delivery attempts postponed for a retry.", botId),
    rateLimited: counter("switchboard_rate_limited_total", "Deliveries Telegram answered 429 Too Many Requests.", botId),
    dropped: counter("switchboard_delivery_dropped_total", "Outbox rows given up (blocked user, refused request …).", botId),
    deliveryLatency: histogram("switchboard_delivery_latency_seconds", "Seconds from queueing an outbox row to Telegram's answer.", LATENCY_SECONDS, botId),
    storeTransaction: histogram("switchboard_store_transaction_seconds", "Seconds of a step's store transaction.", TRANSACTION_SECONDS, botId),
  };
  byBot.set(botId, metrics);
  return metrics;
}

/** No fiber-level labels: Switchboard's metrics carry theirs in the key. */
const NO_LABELS: readonly never[] = [];

/**
 * Adds `value` to a counter or records it in a histogram, now. Call it inside the body of the
 * Effect that did the work (an `Effect.gen` step), never at construction time.
 */
export function record(metric: Metric.Metric.Counter<number> | Metric.Metric.Histogram<number>, value: number): void {
  metric.unsafeUpdate(value, NO_LABELS);
}
