/** One attempt: executes intents for a conversation with its current topic and message map. */
import type * as Effect from "effect/Effect";
import type { Intent } from "../../conversation/intents.ts";
import { chatOfTopic } from "../../store/conversations.ts";
import { topicSideOf, userSideOf } from "../../store/message-map.ts";
import type { StoreError } from "../../store/store.ts";
import type { DeliveryContext } from "./context.ts";
import { execute, type Outcome } from "./execute.ts";

/** Runs `intents` (one, or an album) for `chatId` against the Bot API; failures come back classified. */
export const attempt = (ctx: DeliveryContext, chatId: number, intents: readonly Intent[]): Effect.Effect<Outcome, StoreError> =>
  ctx.stepper.withTopic(chatId, (topicId) => execute(intents, {
    client: ctx.client,
    groupId: ctx.groupId,
    chatId,
    topicId,
    topicSideOf: (id) => topicSideOf(ctx.db, ctx.botId, chatId, id),
    userSideOf: (id) => userSideOf(ctx.db, ctx.botId, chatId, id),
    ownerOfTopic: (id) => chatOfTopic(ctx.db, ctx.botId, id),
    creationsSending: (ids) => ids.some((id) => ctx.creating.has(id)),
  }));
