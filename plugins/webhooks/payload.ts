/**
 * The JSON body of a webhook request. Field names follow the Bot API (snake_case), so a
 * receiver that already speaks Telegram reads it without a mapping. Documented in
 * docs/webhooks.md; change both together, and only by adding fields.
 */
import type { Message, User } from "@grammyjs/types";
import type { BotView, ConversationView, UserProfile } from "../../src/mod.ts";

/** A person in a payload: the dialog's user or the operator who acted. */
export interface WebhookUser {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

/** A message in a payload: a compact summary, and Telegram's own object for everything else. */
export interface WebhookMessage {
  message_id: number;
  /** Unix time (seconds), as Telegram gives it. */
  date: number;
  /** The content kind: "text", "photo", "video", "voice", "document", "sticker", … or "other". */
  type: string;
  text?: string;
  caption?: string;
  media_group_id?: string;
  /** The message this one replies to, in the same chat (the topic's root message is not a reply). */
  reply_to_message_id?: number;
  /** The Telegram Message object exactly as Switchboard received it. */
  telegram: Message;
}

/** The request body. */
export interface WebhookPayload {
  /** Unique per event; the same for every URL and every retry, so receivers can deduplicate. */
  id: string;
  /** `dialog_created`, …, or the command with its slash (`/close`). */
  event: string;
  /** When it happened (the runtime's clock), ISO 8601. */
  time: string;
  bot: { id: string; username: string; group_id: number };
  dialog: {
    /** The user's private chat with the bot (= the user's id). */
    chat_id: number;
    /** The user's topic in the operators' group; null until the topic exists. */
    topic_id: number | null;
    /** After the event: "idle", "awaiting-keyword", "topic-open", "closed" or "banned". */
    state: string;
    /** Inside "topic-open": "user_answered" or "support_answered"; otherwise null. */
    status: string | null;
    user: WebhookUser;
  };
  /** For message events and commands. */
  message?: WebhookMessage;
  /** For `/command` events: the name without the slash, and the rest of the line. */
  command?: { name: string; args: string };
  /** The operator who caused the event, when one did. */
  operator?: WebhookUser;
  /** Why a dialog closed or reopened, e.g. "/close", "autoclose", "user_message". */
  reason?: string;
}

/** What an event adds to the common fields. */
export type EventFields = Pick<WebhookPayload, "message" | "command" | "operator" | "reason">;

/** Content keys in the order that decides a message's `type` (an animation also has `document`). */
const contentKinds = [
  "text", "animation", "photo", "video", "video_note", "voice", "audio", "document", "sticker", "location", "venue",
  "contact", "poll", "dice", "game", "story", "invoice", "paid_media", "giveaway",
] as const;

/** The conversation's user, in Bot API spelling. */
export function userOf(profile: UserProfile): WebhookUser {
  return {
    id: profile.id,
    first_name: profile.firstName,
    ...(profile.lastName ? { last_name: profile.lastName } : {}),
    ...(profile.username ? { username: profile.username } : {}),
    ...(profile.languageCode ? { language_code: profile.languageCode } : {}),
  };
}

/** A message's sender (an operator), in Bot API spelling. */
export function personOf(from: User): WebhookUser {
  return { id: from.id, first_name: from.first_name, ...(from.last_name ? { last_name: from.last_name } : {}), ...(from.username ? { username: from.username } : {}) };
}

/** The compact form of a message. */
export function messageOf(m: Message): WebhookMessage {
  const content = m as unknown as Record<string, unknown>;
  // A topic message that replies to nothing carries the topic's root message: not a reply.
  const replyTo = m.reply_to_message && m.reply_to_message.message_id !== m.message_thread_id ? m.reply_to_message.message_id : undefined;
  return {
    message_id: m.message_id,
    date: m.date,
    type: contentKinds.find((kind) => kind in content) ?? "other",
    ...(m.text !== undefined ? { text: m.text } : {}),
    ...(m.caption !== undefined ? { caption: m.caption } : {}),
    ...(m.media_group_id ? { media_group_id: m.media_group_id } : {}),
    ...(replyTo !== undefined ? { reply_to_message_id: replyTo } : {}),
    telegram: m,
  };
}

/** The full body of one event. */
export function payloadOf(id: string, event: string, now: number, bot: BotView, conversation: ConversationView, fields: EventFields): WebhookPayload {
  return {
    id,
    event,
    time: new Date(now).toISOString(),
    bot: { id: bot.id, username: bot.username, group_id: bot.groupId },
    dialog: {
      chat_id: conversation.chatId,
      topic_id: conversation.topicId,
      state: conversation.state,
      status: conversation.status ?? null,
      user: userOf(conversation.user),
    },
    ...fields,
  };
}
