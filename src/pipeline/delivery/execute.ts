/**
 * Executing intents against the Bot API: one intent, or an album of copies, becomes one call
 * (plus message-map lookups for reply targets), and its result an {@link Outcome}. What a
 * failure means is decided in `failures.ts`.
 */
import type { MessageEntity } from "@grammyjs/types";
import * as Effect from "effect/Effect";
import type { ConversationEvent } from "../../conversation/events.ts";
import { type Intent, placeOf } from "../../conversation/intents.ts";
import type { MessagePair } from "../../store/message-map.ts";
import type { TelegramClient } from "../../telegram/client.ts";
import type { TelegramError } from "../../telegram/errors.ts";
import { classifyFailure } from "./failures.ts";
import { missingChatOf } from "./missing-chat.ts";
import { sendTemplate } from "./templates.ts";

/** How one delivery attempt ended. */
export type Outcome =
  | { kind: "done"; pairs: MessagePair[]; events: ConversationEvent[] }
  /**
   * Try again later: after `afterMs` when Telegram said how long (429), otherwise after the
   * retry policy's delay for the next attempt, capped at `capMs`.
   */
  | { kind: "retry"; reason: string; afterMs?: number; capMs?: number; rateLimited?: { chatId: number; seconds: number } }
  | { kind: "drop"; reason: string; events: ConversationEvent[]; notice?: string }
  | { kind: "topic-lost" }
  | { kind: "topic-closed" };

/** What executing needs to know about the conversation and the bot. */
export interface ExecuteContext {
  client: TelegramClient;
  groupId: number;
  chatId: number;
  topicId: number | null;
  topicSideOf(userMessageId: number): Promise<number | undefined>;
  userSideOf(topicMessageId: number): Promise<number | undefined>;
  /** The conversation whose topic this is, if any. */
  ownerOfTopic(topicId: number): Promise<number | undefined>;
  /**
   * Whether a createForumTopic of any of these creations (outbox ids) is being sent, its answer
   * not yet recorded: the only kind of creation whose answer may still name a given topic.
   */
  creationsSending(outboxIds: readonly number[]): boolean;
}

/** The first message of a topic that replaces a deleted one. */
export const previousDeletedNotice = "ℹ️ The previous topic of this dialog was deleted. The conversation continues here; nothing was lost.";

const done = (pairs: MessagePair[] = [], events: ConversationEvent[] = []): Outcome => ({ kind: "done", pairs, events });
const lookup = <A>(f: () => Promise<A>) => Effect.promise(f);
const replyTo = (messageId: number | undefined) => (messageId === undefined ? undefined : { message_id: messageId, allow_sending_without_reply: true });

/** Runs one intent, or an album (several copy intents of one media group), and classifies the result. */
export function execute(intents: readonly Intent[], ctx: ExecuteContext): Effect.Effect<Outcome> {
  const intent = intents[0];
  const group = ctx.groupId;
  if (placeOf(intent) === "topic" && ctx.topicId === null) return Effect.succeed({ kind: "topic-lost" } as Outcome);
  const thread = ctx.topicId ?? undefined;
  const c = ctx.client;

  const attempt: Effect.Effect<Outcome, TelegramError> = Effect.gen(function* () {
    switch (intent.type) {
      case "createTopic": {
        const topic = yield* c.call("createForumTopic", { chat_id: group, name: intent.name, ...(intent.iconColor ? { icon_color: intent.iconColor as never } : {}) });
        if (intent.previousDeleted) {
          // It must come first in the new topic, before anything still queued; losing it costs
          // only the explanation, so a failure is not retried.
          yield* Effect.ignore(c.call("sendMessage", { chat_id: group, message_thread_id: topic.message_thread_id, text: previousDeletedNotice }));
        }
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
          const copies = yield* c.call(intent.forward ? "forwardMessages" : "copyMessages", { chat_id: group, message_thread_id: thread, from_chat_id: ctx.chatId, message_ids: ids });
          return done(copies.map((copy, i) => ({ userMessageId: ids[i], topicMessageId: copy.message_id })));
        }
        const reply = intent.replyToUserMessageId === undefined ? undefined : yield* lookup(() => ctx.topicSideOf(intent.replyToUserMessageId!));
        if (intent.protectedText) {
          const sent = yield* c.call("sendMessage", { chat_id: group, message_thread_id: thread, ...intent.protectedText, reply_parameters: replyTo(reply) });
          return done([{ userMessageId: intent.messageId, topicMessageId: sent.message_id }]);
        }
        if (intent.forward) {
          // forwardMessage takes no reply parameters: the forward header says who wrote it instead.
          const forwarded = yield* c.call("forwardMessage", { chat_id: group, message_thread_id: thread, from_chat_id: ctx.chatId, message_id: intent.messageId });
          return done([{ userMessageId: intent.messageId, topicMessageId: forwarded.message_id }]);
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
        // A count Telegram will not give (the bot left the chat) costs only that line of the card.
        const members = intent.withMemberCount ? yield* Effect.option(c.call("getChatMemberCount", { chat_id: ctx.chatId })) : undefined;
        const text = members && members._tag === "Some" ? `${intent.text}\nMembers: ${members.value}` : intent.text;
        const sent = yield* sendInTopic(c, group, thread, { ...intent, text });
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
      case "deleteTopic": {
        // Only a creation whose answer is still on its way can claim it; one merely recorded
        // (in doubt, waiting for its retry, or left by an earlier run) cannot, and waiting for it
        // to settle kept the orphan — a user's second topic — alive across restarts. Asked before
        // the owner: a creation records its topic before it leaves the sending set, so a creation
        // that finishes between the two looks is seen by the second.
        if (intent.unlessClaimedBy && ctx.creationsSending(intent.unlessClaimedBy)) {
          return { kind: "retry", reason: "a topic creation being sent may still claim this topic", capMs: 1_000 } as Outcome;
        }
        // Adopted or recorded after all (its creation's answer arrived late): it stays.
        if ((yield* lookup(() => ctx.ownerOfTopic(intent.topicId))) !== undefined) return done();
        yield* c.call("deleteForumTopic", { chat_id: group, message_thread_id: intent.topicId }).pipe(
          // Without the right to delete topics, closing it at least says nothing waits there.
          Effect.catchTag("BadRequest", () => c.call("closeForumTopic", { chat_id: group, message_thread_id: intent.topicId })),
          // Gone already: deleted by hand, or by an attempt whose answer was lost.
          Effect.catchTag("ThreadNotFound", () => Effect.succeed(true)),
        );
        return done();
      }
      case "sendToGeneral":
        yield* c.call("sendMessage", { chat_id: group, text: intent.text });
        return done();
      case "sendToOperator":
        yield* c.call("sendMessage", { chat_id: intent.operatorId, text: intent.text });
        return done();
      case "templateToGeneral":
        yield* sendTemplate(c, intent.template, group);
        return done();
      case "documentToGeneral":
        yield* c.upload("sendDocument", { chat_id: group, ...(intent.caption ? { caption: intent.caption } : {}) }, {
          field: "document", fileName: intent.fileName, contentType: intent.contentType, bytes: new TextEncoder().encode(intent.content),
        });
        return done();
      case "templateToUser": {
        const sent = yield* sendTemplate(c, intent.template, ctx.chatId);
        if (thread === undefined) return done();
        // Operators see what went out; losing this copy costs only the view (and reply
        // mapping), never the user's message, so a failure here is not retried.
        const shown = yield* sendTemplate(c, intent.template, group, thread).pipe(Effect.orElseSucceed((): number[] => []));
        return done(shown.length === sent.length ? sent.map((userMessageId, i) => ({ userMessageId, topicMessageId: shown[i] })) : []);
      }
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

  return attempt.pipe(Effect.catchAll((error) =>
    error._tag === "ChatNotFound"
      ? Effect.map(missingChatOf(intent, ctx), (missing) => classifyFailure(intent, error, ctx, missing))
      : Effect.succeed(classifyFailure(intent, error, ctx))
  ));
}

/** A message (or a photo with its caption) in the topic; markup Telegram cannot parse falls back to plain text. */
function sendInTopic(c: TelegramClient, group: number, thread: number | undefined, intent: Extract<Intent, { type: "sendToTopic" }>) {
  const markup = intent.replyMarkup ? { reply_markup: intent.replyMarkup } : {};
  const send = (parseMode: string | undefined): Effect.Effect<{ message_id: number }, TelegramError> => {
    const mode = parseMode ? { parse_mode: parseMode as never } : {};
    return intent.photo !== undefined
      ? c.call("sendPhoto", { chat_id: group, message_thread_id: thread, photo: intent.photo, caption: intent.text || undefined, ...(parseMode ? mode : { caption_entities: intent.entities }), ...markup })
      : c.call("sendMessage", { chat_id: group, message_thread_id: thread, text: intent.text, ...(parseMode ? mode : { entities: intent.entities }), ...markup });
  };
  if (!intent.parseMode) return send(undefined);
  // An outside answer's markup mistake must not cost the operators the message.
  return send(intent.parseMode).pipe(
    Effect.catchIf((e) => e._tag === "BadRequest" && /can't parse entities/i.test(e.description), () => send(undefined)),
  );
}

function edit(c: TelegramClient, chatId: number, messageId: number, text: string | undefined, caption: string | undefined, entities: MessageEntity[] | undefined) {
  return text !== undefined
    ? c.call("editMessageText", { chat_id: chatId, message_id: messageId, text, entities })
    : c.call("editMessageCaption", { chat_id: chatId, message_id: messageId, caption: caption ?? "", caption_entities: entities });
}
