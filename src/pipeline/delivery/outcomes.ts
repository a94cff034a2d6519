/**
 * Settling an attempt: what a lane records after executing its batch — the rows removed and
 * pairs recorded (done), the rows postponed by the retry policy (retry), the rows given up with
 * a notice to the operators (drop), or the topic repaired (lost, closed).
 */
import * as Effect from "effect/Effect";
import { botMetrics, record } from "../../admin/metrics.ts";
import { type AnalyticsEvent, recordEvents } from "../../store/analytics.ts";
import type { Intent } from "../../conversation/intents.ts";
import type { MessagePair } from "../../store/message-map.ts";
import { enqueueIntents, removeIntents } from "../../store/outbox.ts";
import type { OutboxRow } from "../outbox.ts";
import { query, type StoreError } from "../../store/store.ts";
import { forgetTopicRequests } from "../../store/topic-requests.ts";
import { backoffDelayMs } from "../../util/backoff-schedule.ts";
import { completeIn } from "./completions.ts";
import { type DeliveryContext, feed } from "./context.ts";
import type { Outcome } from "./execute.ts";
import { closeAgainIfClosed, reopenAndAttempt, replaceLostTopic } from "./repair.ts";

/**
 * Records what `outcome` means for `batch`, the rows just executed for `chatId`. True when the
 * batch's rows are gone from the outbox (delivered or given up), so the lane knows what is left
 * without reading it again.
 */
export const settle = (ctx: DeliveryContext, chatId: number, batch: readonly OutboxRow[], outcome: Outcome): Effect.Effect<boolean, StoreError> =>
  // Nearly every send: a plain delivery joins the group commit, without a generator.
  outcome.kind === "done" && outcome.events.length === 0 ? delivered(ctx, chatId, batch, outcome.pairs) : settleOther(ctx, chatId, batch, outcome);

/** A delivery whose result the conversation need not learn: its rows removed and pairs recorded in the next group commit. */
const delivered = (ctx: DeliveryContext, chatId: number, batch: readonly OutboxRow[], pairs: MessagePair[]): Effect.Effect<boolean, StoreError> => {
  const now = ctx.clock.unsafeCurrentTimeMillis();
  return Effect.map(ctx.complete({ ids: batch.map((r) => r.id), chatId, pairs, now }), () => counted(ctx, batch, now));
};

/** Counts a delivery in the stats and metrics; true (its rows are gone). */
const counted = (ctx: DeliveryContext, batch: readonly OutboxRow[], now: number): true => {
  const head = batch[0];
  ctx.stats.delivered += batch.length;
  const metrics = botMetrics(ctx.botId);
  if (head.intent.type === "copyToTopic") record(metrics.relayedToOperators, batch.length);
  else if (head.intent.type === "copyToUser" || head.intent.type === "templateToUser") record(metrics.relayedToUsers, batch.length);
  for (const row of batch) record(metrics.deliveryLatency, Math.max(0, now - row.createdAt) / 1000);
  if (head.intent.type === "createTopic" && head.intent.previousDeleted) ctx.stats.topicsRecreated += 1;
  return true;
};

/** Every other outcome: results the conversation learns, retries, drops and repairs. */
const settleOther = (ctx: DeliveryContext, chatId: number, batch: readonly OutboxRow[], outcome: Outcome): Effect.Effect<boolean, StoreError> =>
  Effect.gen(function* () {
    const head = batch[0];
    const now = ctx.clock.unsafeCurrentTimeMillis();
    const creations = batch.filter((r) => r.intent.type === "createTopic").map((r) => r.id);
    switch (outcome.kind) {
      case "done": {
        const completion = { ids: batch.map((r) => r.id), chatId, pairs: outcome.pairs, now };
        // A result the conversation must learn (a topic created) commits with the row's removal
        // (and a creation's request, creations.ts): a crash between them would forget the topic.
        yield* feed(ctx, chatId, outcome.events, async (tx, outbox) => {
          await completeIn(tx, ctx.botId, [completion], outbox);
          await forgetTopicRequests(tx, ctx.botId, creations);
        });
        return counted(ctx, batch, now);
      }
      case "retry": {
        ctx.stats.retried += 1;
        const metrics = botMetrics(ctx.botId);
        record(metrics.retries, 1);
        if (outcome.rateLimited) {
          ctx.stats.rateLimited += 1;
          record(metrics.rateLimited, 1);
          ctx.limiter.pause(outcome.rateLimited.chatId, outcome.rateLimited.seconds, now);
        }
        const afterMs = outcome.afterMs ?? (yield* backoffDelayMs(head.attempts + 1, outcome.capMs ?? 30_000));
        ctx.log.warn("delivery will be retried", { chat: chatId, intent: head.intent.type, outbox_id: head.id, attempt: head.attempts + 1, in_ms: afterMs, reason: outcome.reason });
        // Analytics' delivery health, durable with the postponement itself.
        const counted: AnalyticsEvent[] = [{ chatId, kind: "delivery_retry", actor: head.intent.type, at: now }];
        if (outcome.rateLimited) counted.push({ chatId, kind: "rate_limited", actor: head.intent.type, at: now });
        yield* ctx.outbox.defer(batch, now + afterMs, counted);
        return false;
      }
      case "drop": {
        ctx.stats.dropped += batch.length;
        record(botMetrics(ctx.botId).dropped, batch.length);
        ctx.log.warn("intent dropped", { chat: chatId, intent: head.intent.type, outbox_id: head.id, reason: outcome.reason });
        const notice = outcome.notice;
        yield* query("give up a delivery", () =>
          ctx.outbox.track((outbox) =>
            ctx.db.transaction().execute(async (tx) => {
              const ids = batch.map((r) => r.id);
              await removeIntents(tx, ids);
              outbox.removed.push(...ids);
              await forgetTopicRequests(tx, ctx.botId, creations);
              if (notice) outbox.added.push(...(await enqueueIntents<Intent>(tx, ctx.botId, chatId, [{ type: "sendToTopic", text: notice }], now)));
              await recordEvents(tx, ctx.botId, batch.map((r) => ({ chatId, kind: "delivery_failed" as const, actor: r.intent.type, at: now })));
            })
          ));
        if (notice) yield* ctx.outbox.announce([chatId]);
        yield* feed(ctx, chatId, [
          ...outcome.events,
          ...batch.map((r) => ({ type: "delivery.failed" as const, intent: r.intent.type, reason: outcome.reason, ...("messageId" in r.intent ? { messageId: r.intent.messageId } : {}) })),
        ]);
        return true;
      }
      // Repairs queue more work for the lane: it reads again.
      case "topic-lost":
        yield* replaceLostTopic(ctx, chatId, head);
        return false;
      case "topic-closed": {
        yield* settle(ctx, chatId, batch, yield* reopenAndAttempt(ctx, chatId, batch));
        yield* closeAgainIfClosed(ctx, chatId);
        return false;
      }
    }
  });
