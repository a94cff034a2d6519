/**
 * Topic repair, through intents. A deleted topic: the conversation learns it (`topic.lost`) and
 * queues a `createTopic` that replaces it; the lane runs a pending `createTopic` before anything
 * that needs the topic (see `lanes.ts`). A topic closed in Telegram: it is reopened, the batch
 * delivered, and closed again if the dialog is closed (leave_closed relays into closed dialogs;
 * operators also close topics by hand).
 */
import * as Effect from "effect/Effect";
import { removeIntents } from "../../store/outbox.ts";
import type { OutboxRow } from "../outbox.ts";
import { query, type StoreError } from "../../store/store.ts";
import { attempt } from "./attempt.ts";
import { type DeliveryContext, feed } from "./context.ts";
import type { Outcome } from "./execute.ts";

/** The topic of `head` is gone: the conversation queues its replacement. */
export const replaceLostTopic = (ctx: DeliveryContext, chatId: number, head: OutboxRow): Effect.Effect<void, StoreError> =>
  Effect.gen(function* () {
    ctx.log.warn("the topic is gone; creating a new one", { chat: chatId, intent: head.intent.type, outbox_id: head.id });
    const applied = yield* feed(ctx, chatId, [{ type: "topic.lost" }]);
    if (applied.some((a) => a.intents.some((i) => i.type === "createTopic"))) return;
    // A conversation that never had a topic to replace (it is not open): the row cannot go anywhere.
    ctx.stats.dropped += 1;
    ctx.log.warn("intent dropped: the conversation has no topic", { chat: chatId, intent: head.intent.type, outbox_id: head.id });
    yield* query("give up a delivery", () =>
      ctx.outbox.track(async (outbox) => {
        await removeIntents(ctx.db, [head.id]);
        outbox.removed.push(head.id);
      }));
  });

/**
 * The topic is closed in Telegram: reopen it and attempt `batch` again. The outcome is the
 * batch's (a retry if the topic could not be reopened, or was closed again under our feet).
 */
export const reopenAndAttempt = (ctx: DeliveryContext, chatId: number, batch: readonly OutboxRow[]): Effect.Effect<Outcome, StoreError> =>
  Effect.gen(function* () {
    const reopened = yield* attempt(ctx, chatId, [{ type: "reopenTopic" }]);
    if (reopened.kind !== "done") return { kind: "retry", reason: `could not reopen the closed topic (${reopened.kind})` };
    const outcome = yield* attempt(ctx, chatId, batch.map((r) => r.intent));
    return outcome.kind === "topic-closed" ? { kind: "retry", reason: "the topic was closed again" } : outcome;
  });

/** After a delivery into a reopened topic: closes it again if the dialog is closed. */
export const closeAgainIfClosed = (ctx: DeliveryContext, chatId: number): Effect.Effect<void, StoreError> =>
  Effect.gen(function* () {
    const state = (yield* ctx.stepper.rowOf(chatId))?.state;
    if (state === "closed" || state === "banned") yield* attempt(ctx, chatId, [{ type: "closeTopic" }]);
  });
