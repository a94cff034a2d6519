/**
 * Executing intents against the Bot API and classifying the result. This file decides, for
 * every Telegram failure, whether an intent is retried, repaired (topic lost or closed) or
 * dropped with a notice — the table of "what happens when" that PRODUCT.md promises.
 */
import type { MessageEntity } from "@grammyjs/types";
import { Effect } from "effect";
import type { ConversationEvent } from "../conversation/events.ts";
import type { Intent } from "../conversation/intents.ts";
import type { MessagePair } from "../store/message-map.ts";
import type { TelegramClient } from "../telegram/client.ts";
import type { TelegramError } from "../telegram/errors.ts";
import { backoffMs } from "../util/backoff.ts";

/** How one delivery attempt ended. */
export type Outcome =
  | { kind: "done"; pairs: MessagePair[]; events: ConversationEvent[] }
  | { kind: "retry"; afterMs: number; reason: string; rateLimited?: { chatId: number; seconds: number }; inDoubt: boolean }
  | { kind: "drop"; reason: string; events: ConversationEvent[]; notice?: string }
  | { kind: "topic-lost" }
  | { kind: "topic-closed" };

/** What executing needs to know about the conversation and the bot. */
export interface ExecuteContext {
  client: TelegramClient;
  groupId: number;
  chatId: number;
  topicId: number | null;
  /** Attempts already made for the first intent (for backoff). */
  attempts: number;
  topicSideOf(userMessageId: number): Promise<number | undefined>;
  userSideOf(topicMessageId: number): Promise<number | undefined>;
}

const done = (pairs: MessagePair[] = [], events: ConversationEvent[] = []): Outcome => ({ kind: "done", pairs, events });
const lookup = <A>(f: () => Promise<A>) => Effect.promise(f);
const replyTo = (messageId: number | undefined) => (messageId === undefined ? undefined : { message_id: messageId, allow_sending_without_reply: true });

/** Runs one intent, or an album (several copy intents of one media group), and classifies the result. */
export function execute(intents: readonly Intent[], ctx: ExecuteContext): Effect.Effect<Outcome> {
  const intent = intents[0];
  const group = ctx.groupId;
  const needsTopic = intent.type !== "createTopic" && intent.type !== "sendToOperator" && intent.type !== "sendToGeneral" && !userBound(intent);
  if (needsTopic && ctx.topicId === null) return Effect.succeed({ kind: "topic-lost" } as Outcome);
  const thread = ctx.topicId ?? undefined;
  const c = ctx.client;

  const attempt: Effect.Effect<Outcome, TelegramError> = Effect.gen(function* () {
    switch (intent.type) {
      case "createTopic": {
        const topic = yield* c.call("createForumTopic", { chat_id: group, name: intent.name, ...(intent.iconColor ? { icon_color: intent.iconColor as never } : {}) });
        return done([], [{ type: "topic.created", topicId: topic.message_thread_id }]);
      }
      case "editTopic":
        yield* c.call("editForumTopic", { chat_id: group, message_thread_id: thread!, name: intent.name });
        return done();
      case "closeTopic":
        yield* c.call("closeForumTopic", { chat_id: group, message_thread_id: thread! });
        return done();
      case "reopenTopic":
        yield* c.call("reopenForumTopic", { chat_id: group, message_thread_id: thread! });
        return done();
      case "copyToTopic": {
        if (intents.length > 1) {
          const ids = intents.map((i) => (i as Extract<Intent, { type: "copyToTopic" }>).messageId);
          const copies = yield* c.call("copyMessages", { chat_id: group, message_thread_id: thread, from_chat_id: ctx.chatId, message_ids: ids });
          return done(copies.map((copy, i) => ({ userMessageId: ids[i], topicMessageId: copy.message_id })));
        }
        const reply = intent.replyToUserMessageId === undefined ? undefined : yield* lookup(() => ctx.topicSideOf(intent.replyToUserMessageId!));
        if (intent.protectedText) {
          const sent = yield* c.call("sendMessage", { chat_id: group, message_thread_id: thread, ...intent.protectedText, reply_parameters: replyTo(reply) });
          return done([{ userMessageId: intent.messageId, topicMessageId: sent.message_id }]);
        }
        const copy = yield* c.call("copyMessage", { chat_id: group, message_thread_id: thread, from_chat_id: ctx.chatId, message_id: intent.messageId, reply_parameters: replyTo(reply) });
        return done([{ userMessageId: intent.messageId, topicMessageId: copy.message_id }]);
      }
      case "copyToUser": {
        if (intents.length > 1) {
          const ids = intents.map((i) => (i as Extract<Intent, { type: "copyToUser" }>).messageId);
          const copies = yield* c.call("copyMessages", { chat_id: ctx.chatId, from_chat_id: group, message_ids: ids });
          return done(copies.map((copy, i) => ({ userMessageId: copy.message_id, topicMessageId: ids[i] })));
        }
        const reply = intent.replyToTopicMessageId === undefined ? undefined : yield* lookup(() => ctx.userSideOf(intent.replyToTopicMessageId!));
        const copy = yield* c.call("copyMessage", { chat_id: ctx.chatId, from_chat_id: group, message_id: intent.messageId, reply_parameters: replyTo(reply) });
        return done([{ userMessageId: copy.message_id, topicMessageId: intent.messageId }]);
      }
      case "sendToTopic": {
        const sent = yield* c.call("sendMessage", { chat_id: group, message_thread_id: thread, text: intent.text, entities: intent.entities });
        return done(intent.pairWith === undefined ? [] : [{ userMessageId: intent.pairWith, topicMessageId: sent.message_id }]);
      }
      case "sendToUser":
        if (intent.parseMode) {
          // A deployer's markup mistake must not cost the user the message: fall back to plain text.
          yield* c.call("sendMessage", { chat_id: ctx.chatId, text: intent.text, parse_mode: intent.parseMode }).pipe(
            Effect.catchIf(
              (e) => e._tag === "BadRequest" && /can't parse entities/i.test(e.description),
              () => c.call("sendMessage", { chat_id: ctx.chatId, text: intent.text }),
            ),
          );
          return done();
        }
        yield* c.call("sendMessage", { chat_id: ctx.chatId, text: intent.text, entities: intent.entities });
        return done();
      case "editInTopic": {
        const target = yield* lookup(() => ctx.topicSideOf(intent.userMessageId));
        if (target === undefined) return { kind: "drop", reason: "edited message was never relayed", events: [] } as Outcome;
        yield* edit(c, group, target, intent.text, intent.caption, intent.entities);
        return done();
      }
      case "editInUser": {
        const target = yield* lookup(() => ctx.userSideOf(intent.topicMessageId));
        if (target === undefined) return { kind: "drop", reason: "edited message was never relayed", events: [] } as Outcome;
        yield* edit(c, ctx.chatId, target, intent.text, intent.caption, intent.entities);
        return done();
      }
      case "sendToGeneral":
        yield* c.call("sendMessage", { chat_id: group, text: intent.text });
        return done();
      case "sendToOperator":
        yield* c.call("sendMessage", { chat_id: intent.operatorId, text: intent.text });
        return done();
      case "reactInTopic":
      case "reactInUser": {
        const inTopic = intent.type === "reactInTopic";
        const target = yield* lookup(() => (inTopic ? ctx.topicSideOf(intent.userMessageId) : ctx.userSideOf(intent.topicMessageId)));
        if (target === undefined) return { kind: "drop", reason: "reacted message was never relayed", events: [] } as Outcome;
        yield* c.call("setMessageReaction", {
          chat_id: inTopic ? group : ctx.chatId,
          message_id: target,
          reaction: intent.emoji === null ? [] : [{ type: "emoji", emoji: intent.emoji as never }],
        });
        return done();
      }
    }
  });

  return attempt.pipe(Effect.catchAll((error) => Effect.succeed(classifyFailure(intent, error, ctx))));
}

function edit(c: TelegramClient, chatId: number, messageId: number, text: string | undefined, caption: string | undefined, entities: MessageEntity[] | undefined) {
  return text !== undefined
    ? c.call("editMessageText", { chat_id: chatId, message_id: messageId, text, entities })
    : c.call("editMessageCaption", { chat_id: chatId, message_id: messageId, caption: caption ?? "", caption_entities: entities });
}

/** Intents that act in the user's private chat rather than the operators' group. */
export const userBound = (intent: Intent): boolean =>
  intent.type === "copyToUser" || intent.type === "sendToUser" || intent.type === "editInUser" || intent.type === "reactInUser";

/** The failure table. */
export function classifyFailure(intent: Intent, error: TelegramError, ctx: Pick<ExecuteContext, "attempts" | "chatId" | "groupId">): Outcome {
  const attempt = ctx.attempts + 1;
  const target = userBound(intent) ? ctx.chatId : ctx.groupId;
  switch (error._tag) {
    case "RateLimited":
      return { kind: "retry", afterMs: error.retryAfter * 1000, reason: error.description, rateLimited: { chatId: target, seconds: error.retryAfter }, inDoubt: false };
    case "ServerError":
      return { kind: "retry", afterMs: backoffMs(attempt), reason: `${error.status} ${error.description}`, inDoubt: false };
    case "NetworkError":
      // The request may have been applied before the connection failed: a retry may duplicate.
      return { kind: "retry", afterMs: backoffMs(attempt), reason: error.reason, inDoubt: true };
    case "ThreadNotFound":
      return userBound(intent) ? drop(intent, error.description) : { kind: "topic-lost" };
    case "TopicClosed":
      return userBound(intent) ? drop(intent, error.description) : { kind: "topic-closed" };
    case "BlockedByUser":
    case "UserDeactivated":
      if (!userBound(intent) || intent.type === "sendToOperator") return drop(intent, error.description);
      return { kind: "drop", reason: error.description, events: [{ type: "delivery.blocked", reason: error._tag === "BlockedByUser" ? "blocked" : "deactivated" }] };
    case "Unauthorized":
    case "Conflict":
      // The bot's token or group is wrong: keep the message and retry slowly, loudly.
      return { kind: "retry", afterMs: backoffMs(attempt, 60_000), reason: error.description, inDoubt: false };
    case "ChatNotFound":
      if (!userBound(intent)) return { kind: "retry", afterMs: backoffMs(attempt, 60_000), reason: `operators' group: ${error.description}`, inDoubt: false };
      return drop(intent, error.description);
    case "BadRequest":
      if (/not modified/i.test(error.description)) return done();
      // Not every emoji is a valid bot reaction: a mirror that Telegram refuses is simply skipped.
      if (intent.type === "reactInTopic" || intent.type === "reactInUser") return { kind: "drop", reason: error.description, events: [] };
      return drop(intent, error.description);
  }
}

function drop(intent: Intent, description: string): Outcome {
  // Operators must learn that something they or the user sent did not arrive.
  const notice = intent.type === "sendToOperator"
    ? `⚠️ Could not write to the operator privately (${description}): they must start a private chat with the bot first.`
    : intent.type === "copyToTopic"
    ? `⚠️ A message from the user could not be shown here: ${description}`
    : intent.type === "copyToUser" || intent.type === "sendToUser"
    ? `⚠️ Not delivered to the user: ${description}`
    : undefined;
  return { kind: "drop", reason: description, events: [], ...(notice ? { notice } : {}) };
}
