/**
 * Intents: what a step asks the world to do, as plain data. They are stored in the outbox in
 * the same transaction as the snapshot that produced them, and executed later by delivery.
 * Topic-bound intents name no thread id: delivery reads the conversation's current topic, so a
 * topic that is re-created after deletion is picked up by everything still queued.
 */
import type { InlineKeyboardMarkup, MessageEntity } from "@grammyjs/types";
import type { TemplateContent } from "./template.ts";

/** Every intent. `type` names the XState action that emits it. */
export type Intent =
  /** `previousDeleted`: it replaces a deleted topic, and says so first thing. */
  | { type: "createTopic"; name: string; iconColor?: number; previousDeleted?: boolean }
  | { type: "editTopic"; name: string }
  | { type: "closeTopic" }
  | { type: "reopenTopic" }
  | {
    type: "copyToTopic";
    messageId: number;
    replyToUserMessageId?: number;
    mediaGroupId?: string;
    /**
     * Forward rather than copy: a monitored group's message, so operators see who wrote it
     * (Telegram's forward header names the sender; many people write in one group).
     */
    forward?: boolean;
    /** Set for content-protected messages, which cannot be copied: only their text is relayed. */
    protectedText?: { text: string; entities?: MessageEntity[] };
  }
  | { type: "copyToUser"; messageId: number; replyToTopicMessageId?: number; mediaGroupId?: string }
  /**
   * `pairWith`: the user-chat message this one stands for (replies and edits then map to it).
   * `parseMode` (falls back to plain text if Telegram cannot parse it), `replyMarkup` and
   * `photo` (a file id; `text` is then its caption) carry outside answers, e.g. a command
   * webhook's. `withMemberCount`: a monitored chat's card; delivery appends the chat's member
   * count.
   */
  | {
    type: "sendToTopic";
    text: string;
    entities?: MessageEntity[];
    pairWith?: number;
    parseMode?: "HTML" | "MarkdownV2" | "Markdown";
    replyMarkup?: InlineKeyboardMarkup;
    photo?: string;
    withMemberCount?: boolean;
  }
  /** `parseMode: "HTML"` sends Telegram HTML; if Telegram cannot parse it, it goes as plain text. */
  | { type: "sendToUser"; text: string; entities?: MessageEntity[]; parseMode?: "HTML" }
  | { type: "editInTopic"; userMessageId: number; text?: string; caption?: string; entities?: MessageEntity[] }
  | { type: "editInUser"; topicMessageId: number; text?: string; caption?: string; entities?: MessageEntity[] }
  /** Mirrors a reaction: `emoji: null` removes the bot's reaction. */
  | { type: "reactInTopic"; userMessageId: number; emoji: string | null }
  | { type: "reactInUser"; topicMessageId: number; emoji: string | null }
  /** A private message to an operator (e.g. `/info` under `hide_info: [command]`). */
  | { type: "sendToOperator"; operatorId: number; text: string }
  /** A message in the group's General topic (answers to General-topic commands). */
  | { type: "sendToGeneral"; text: string }
  /**
   * Deletes a topic the bot created that no conversation owns: the second topic of a creation
   * whose answer was lost. `unlessClaimedBy`: topic creations still in flight when it was found
   * (their createTopic rows' outbox ids); one being sent may yet claim it from its answer, so
   * delivery waits while any of them is being sent (not for those merely in doubt).
   */
  | { type: "deleteTopic"; topicId: number; unlessClaimedBy?: number[] }
  /**
   * A template sent to the user like an operator's message, then shown in the topic too (the
   * two copies are paired, so replies and edits map); `name` is for logs and notices.
   */
  | { type: "templateToUser"; name: string; template: TemplateContent }
  /** A template shown in General (a preview). */
  | { type: "templateToGeneral"; name: string; template: TemplateContent }
  /**
   * A generated file posted in General as a document (an export): uploaded with `sendDocument`.
   * `content` is the file's text, sent as UTF-8; it rides in the outbox row like any intent.
   */
  | { type: "documentToGeneral"; fileName: string; content: string; contentType: string; caption?: string };

/**
 * Where an intent acts — the one place intents are classified:
 * - `user`: the user's private chat;
 * - `topic`: the conversation's topic (waits for it; a lost topic is repaired first);
 * - `new-topic`: creates the topic, so it needs none;
 * - `general`: the group's General topic;
 * - `group`: a topic of the group the intent names (not the conversation's);
 * - `operator`: an operator's private chat.
 */
export type IntentPlace = "user" | "topic" | "new-topic" | "general" | "group" | "operator";

/** Every intent type and its place (a `Record`, so a new intent type must be classified here). */
const places: Record<Intent["type"], IntentPlace> = {
  createTopic: "new-topic",
  editTopic: "topic",
  closeTopic: "topic",
  reopenTopic: "topic",
  copyToTopic: "topic",
  sendToTopic: "topic",
  editInTopic: "topic",
  reactInTopic: "topic",
  copyToUser: "user",
  sendToUser: "user",
  editInUser: "user",
  reactInUser: "user",
  sendToOperator: "operator",
  sendToGeneral: "general",
  deleteTopic: "group",
  templateToUser: "user",
  templateToGeneral: "general",
  documentToGeneral: "general",
};

/** Where `intent` acts. */
export const placeOf = (intent: Intent): IntentPlace => places[intent.type];

/** The intent names, for picking the intents out of a transition's actions. */
export const intentTypes: ReadonlySet<Intent["type"]> = new Set(Object.keys(places) as Intent["type"][]);

/** Whose chat a Bot API call names: the user's, an operator's, or the operators' group. */
export type ChatRole = "user" | "operator" | "group";

/** Whose chat an intent is sent to. */
export function targetRoleOf(intent: Intent): ChatRole {
  const place = placeOf(intent);
  return place === "user" || place === "operator" ? place : "group";
}

/** Whose chat an intent copies from, if it copies (a protected message is sent as text instead). */
export function sourceRoleOf(intent: Intent): ChatRole | undefined {
  if (intent.type === "copyToTopic") return intent.protectedText ? undefined : "user";
  if (intent.type === "templateToUser" || intent.type === "templateToGeneral") return intent.template.kind === "copy" ? "group" : undefined;
  return intent.type === "copyToUser" ? "group" : undefined;
}

/** Every chat an intent's call names: where it goes, then where it copies from. */
export function chatRolesOf(intent: Intent): ChatRole[] {
  const source = sourceRoleOf(intent);
  return source === undefined ? [targetRoleOf(intent)] : [targetRoleOf(intent), source];
}

/** The chat an intent is sent to: the user's, an operator's, or the operators' group. */
export function targetChatOf(intent: Intent, userChatId: number, groupId: number): number {
  switch (targetRoleOf(intent)) {
    case "user":
      return userChatId;
    case "operator":
      return (intent as Extract<Intent, { type: "sendToOperator" }>).operatorId;
    default:
      return groupId;
  }
}

/** The media group of a copy intent, if it is an album item. */
export const albumOf = (intent: Intent): string | undefined =>
  intent.type === "copyToTopic" || intent.type === "copyToUser" ? intent.mediaGroupId : undefined;
