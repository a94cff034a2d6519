/**
 * Topic creations and their doubt. `createForumTopic` has no idempotency key: when its answer is
 * lost (a cut connection, or a crash before the result was committed) the topic may exist all the
 * same, and a blind retry makes a second one. So a creation is recorded before it is sent (a
 * topic request, keyed by its title), and the bot's own `forum_topic_created` service message,
 * which carries that title, lets the stepper adopt the topic of a creation in doubt (steps.ts).
 * A retry first gives that service message a moment to arrive; a second topic made anyway is
 * deleted (the machine's `deleteTopic`, and the orphan rule in steps.ts).
 */
import * as Effect from "effect/Effect";
import type { Intent } from "../../conversation/intents.ts";
import { query, type StoreError } from "../../store/store.ts";
import { claimTopicRequest, forgetStaleTopicRequest, stampTopicRequest } from "../../store/topic-requests.ts";
import type { OutboxRow } from "../outbox.ts";
import type { DeliveryContext } from "./context.ts";

/**
 * How long a creation in doubt waits, after its last attempt (or after the start, for one left
 * by an earlier run), for the service message of a topic it may have made before trying again.
 * Telegram pushes the service message at once; polling or the webhook bring it in well under this.
 */
export const adoptGraceMs = 2_000;

/** How soon a creation looks again while another conversation creates a topic of the same title. */
const sameTitleRetryMs = 500;

/**
 * Before `row`'s createTopic is sent: records the creation, or finds it in doubt. Returns how
 * many milliseconds to wait first (0: send now). Another conversation creating a topic of the
 * same title makes it wait its turn, so a title always names one creation.
 */
export const beforeCreate = (ctx: DeliveryContext, chatId: number, row: OutboxRow, now: number): Effect.Effect<number, StoreError> =>
  query("record a topic creation", async () => {
    const name = (row.intent as Extract<Intent, { type: "createTopic" }>).name;
    const mine = { name, chatId, outboxId: row.id, sentAt: now };
    let claim = await claimTopicRequest(ctx.db, ctx.botId, mine);
    if (claim.holder.outboxId !== row.id && (await forgetStaleTopicRequest(ctx.db, ctx.botId, name))) claim = await claimTopicRequest(ctx.db, ctx.botId, mine);
    if (claim.fresh) return 0;
    if (claim.holder.outboxId !== row.id) return sameTitleRetryMs;
    // In doubt: an earlier attempt was sent and its topic never recorded.
    const retryAt = Math.max(claim.holder.sentAt, ctx.startedAt) + adoptGraceMs;
    if (now < retryAt) return retryAt - now;
    ctx.log.info("creating the topic again: no topic of the last attempt arrived", { chat: chatId, outbox_id: row.id, name });
    await stampTopicRequest(ctx.db, ctx.botId, row.id, now);
    return 0;
  });
