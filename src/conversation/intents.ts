/**
 * Intents: what a step asks the world to do, as plain data. They are stored in the outbox in
 * the same transaction as the snapshot that produced them, and executed later by delivery.
 * Topic-bound intents name no thread id: delivery reads the conversation's current topic, so a
 * topic that is re-created after deletion is picked up by everything still queued.
 */
import type { MessageEntity } from "@grammyjs/types";

/** Every intent. `type` names the XState action that emits it. */
export type Intent =
  | { type: "createTopic"; name: string; iconColor?: number; previousDeleted?: boolean }
  | { type: "editTopic"; name: string }
  | { type: "closeTopic" }
  | { type: "reopenTopic" }
  | {
    type: "copyToTopic";
    messageId: number;
    replyToUserMessageId?: number;
    mediaGroupId?: string;
    /** Set for content-protected messages, which cannot be copied: only their text is relayed. */
    protectedText?: { text: string; entities?: MessageEntity[] };
  }
  | { type: "copyToUser"; messageId: number; replyToTopicMessageId?: number; mediaGroupId?: string }
  /** `pairWith`: the user-chat message this one stands for (replies and edits then map to it). */
  | { type: "sendToTopic"; text: string; entities?: MessageEntity[]; pairWith?: number }
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
  | { type: "sendToGeneral"; text: string };

/** The intent names, for checking what a transition emitted. */
export const intentTypes: ReadonlySet<Intent["type"]> = new Set([
  "createTopic", "editTopic", "closeTopic", "reopenTopic", "copyToTopic", "copyToUser",
  "sendToTopic", "sendToUser", "editInTopic", "editInUser", "reactInTopic", "reactInUser", "sendToOperator", "sendToGeneral",
]);

/** True for intents that act in the operators' group (they wait for the conversation's topic). */
export const isTopicIntent = (i: Intent): boolean =>
  i.type === "createTopic" || i.type === "editTopic" || i.type === "closeTopic" || i.type === "reopenTopic" ||
  i.type === "copyToTopic" || i.type === "sendToTopic" || i.type === "editInTopic" || i.type === "reactInTopic";
