/**
 * The spans of an update's way through one bot's pipeline, when tracing is on:
 *
 *   switchboard.accept   (root)   the inbox saving the update: bot, update id, source
 *   └ switchboard.step            the conversation step it caused: chat, event kind
 *     └ switchboard.deliver       each outbox row the step queued: intent, Bot API method(s),
 *                                 outcome, attempt (one span per attempt, retries included)
 *
 * The links are kept in memory, cheaply: the accept span by update id until the step takes it,
 * the step span by (chat, commit time) — exactly what the step's outbox rows carry as
 * `created_at` — until evicted. So nothing is added to the store; after a restart the rows left
 * from before start root spans of their own, and several steps of one chat in one batch share
 * the last one's span as parent. Every span carries `switchboard.bot` and `switchboard.chat`
 * or `switchboard.update_id`, so a trace can also be found by those.
 *
 * Whether an update is traced (`sample_ratio`) is decided once, when it is accepted; its step
 * and deliveries follow that decision. Work that did not come from an update (timers, delivery
 * results, rows from before a restart) is sampled on its own.
 *
 * When tracing is off none of this runs: the inbox and the lanes pick their traced or plain path
 * once, when the bot starts, and the stepper tests one property per batch — no span, wrapper or
 * allocation per message (bench/tracing.ts).
 */
import * as Clock from "effect/Clock";
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Option from "effect/Option";
import type * as Tracer from "effect/Tracer";
import type { Intent } from "../conversation/intents.ts";
import type { OutboxRow } from "../store/outbox.ts";
import type { TelegramClient } from "../telegram/client.ts";

/** The deployment's tracer and how many updates it follows. */
export interface PipelineTracer {
  readonly tracer: Tracer.Tracer;
  /** 0 to 1: the share of updates traced. */
  readonly sampleRatio: number;
}

/** What a step span needs to know of an envelope. */
export interface TracedEnvelope {
  readonly chatId: number;
  readonly updateId?: number | undefined;
  readonly event?: { readonly type: string } | undefined;
  readonly general?: unknown;
  readonly topicCreated?: unknown;
}

/** How a delivery attempt ended, as far as its span tells. */
export interface TracedOutcome {
  readonly kind: string;
  readonly reason?: string;
}

/** One bot's tracing: wrappers the pipeline puts around its work when tracing is on. */
export interface BotTracing {
  /** Around saving a batch in the inbox: one span per update that has an id. */
  accept<A, E>(updates: readonly unknown[], source: string, save: Effect.Effect<A, E>): Effect.Effect<A, E>;
  /** Around a step's commit at `now` (the Clock's, also the `created_at` of the rows it queues): one span per envelope. */
  step<A, E>(envelopes: readonly TracedEnvelope[], now: number, commit: Effect.Effect<A, E>): Effect.Effect<A, E>;
  /** Around one delivery attempt of `rows` (one, or an album): `attempt` gets a client that notes the methods it calls. */
  deliver<O extends TracedOutcome, E>(chatId: number, rows: readonly OutboxRow<Intent>[], client: TelegramClient, attempt: (client: TelegramClient) => Effect.Effect<O, E>): Effect.Effect<O, E>;
}

/** Links held in memory at most; older ones are dropped (their children become roots). */
const MAX_LINKS = 10_000;

/** A map that forgets its oldest entries beyond {@link MAX_LINKS}. `null` = decided not to trace. */
class Links<K> extends Map<K, Tracer.Span | null> {
  override set(key: K, value: Tracer.Span | null): this {
    super.set(key, value);
    if (this.size > MAX_LINKS) this.delete(this.keys().next().value!);
    return this;
  }
}

const stepKey = (chatId: number, at: number) => `${chatId}:${at}`;

/** What kind of step an envelope is. */
const eventKind = (e: TracedEnvelope) => e.event?.type ?? (e.general !== undefined ? "general.command" : e.topicCreated !== undefined ? "general.topic_created" : "unknown");

/** The tracing of bot `botId` on `pipeline`'s tracer. */
export function botTracing(pipeline: PipelineTracer, botId: string): BotTracing {
  const { tracer, sampleRatio } = pipeline;
  const accepted = new Links<number>();
  const stepped = new Links<string>();
  const sampled = () => sampleRatio >= 1 || Math.random() < sampleRatio;

  const start = (name: string, parent: Tracer.Span | undefined, kind: Tracer.SpanKind, at: bigint, attributes: Record<string, unknown>) => {
    const span = tracer.span(name, parent ? Option.some(parent) : Option.none(), Context.empty(), [], at, kind);
    span.attribute("switchboard.bot", botId);
    for (const [k, v] of Object.entries(attributes)) if (v !== undefined) span.attribute(k, v);
    return span;
  };
  /** Ends `spans` when `effect` ends, with its exit (a failure marks them as errors). */
  const endWith = <A, E>(spans: readonly Tracer.Span[], effect: Effect.Effect<A, E>, more?: (a: A, span: Tracer.Span) => void) =>
    Effect.onExit(effect, (exit) =>
      Effect.map(Clock.currentTimeNanos, (now) => {
        for (const span of spans) {
          if (more && Exit.isSuccess(exit)) more(exit.value, span);
          span.end(now, exit);
        }
      }));

  return {
    accept: (updates, source, save) =>
      Effect.flatMap(Clock.currentTimeNanos, (now) => {
        const spans: Tracer.Span[] = [];
        for (const u of updates) {
          const updateId = (u as { update_id?: unknown } | null)?.update_id;
          if (typeof updateId !== "number") continue;
          if (!sampled()) {
            accepted.set(updateId, null);
            continue;
          }
          const span = start("switchboard.accept", undefined, "consumer", now, { "switchboard.update_id": updateId, "switchboard.source": source });
          accepted.set(updateId, span);
          spans.push(span);
        }
        return spans.length === 0 ? save : endWith(spans, save);
      }),

    step: (envelopes, at, commit) =>
      Effect.flatMap(Clock.currentTimeNanos, (now) => {
        const spans: Tracer.Span[] = [];
        for (const e of envelopes) {
          const key = stepKey(e.chatId, at);
          let parent: Tracer.Span | null | undefined;
          if (e.updateId !== undefined) {
            parent = accepted.get(e.updateId);
            accepted.delete(e.updateId);
          }
          // Not traced at accept (sampled out): neither is what follows from it.
          if (parent === null || (parent === undefined && !sampled())) {
            if (!stepped.get(key)) stepped.set(key, null);
            continue;
          }
          const span = start("switchboard.step", parent, "internal", now, { "switchboard.chat": e.chatId, "switchboard.event": eventKind(e), "switchboard.update_id": e.updateId });
          stepped.set(key, span);
          spans.push(span);
        }
        return spans.length === 0 ? commit : endWith(spans, commit);
      }),

    deliver: (chatId, rows, client, attempt) =>
      Effect.flatMap(Clock.currentTimeNanos, (now) => {
        const spans: Tracer.Span[] = [];
        for (const row of rows) {
          const parent = stepped.get(stepKey(chatId, row.createdAt));
          if (parent === null || (parent === undefined && !sampled())) continue;
          spans.push(start("switchboard.deliver", parent, "client", now, {
            "switchboard.chat": chatId, "switchboard.intent": row.intent.type, "switchboard.outbox_id": row.id, "switchboard.attempt": row.attempts + 1,
          }));
        }
        if (spans.length === 0) return attempt(client);
        const methods: string[] = [];
        const noting: TelegramClient = {
          apiRoot: client.apiRoot,
          call: (method, params, options) => {
            methods.push(method);
            return client.call(method, params, options);
          },
          upload: (method, params, file) => {
            methods.push(method);
            return client.upload(method, params, file);
          },
        };
        return endWith(spans, attempt(noting), (outcome, span) => {
          span.attribute("telegram.method", methods.join(","));
          span.attribute("switchboard.outcome", outcome.kind);
          if (outcome.reason !== undefined) span.attribute("switchboard.outcome_reason", outcome.reason);
        });
      }),
  };
}
