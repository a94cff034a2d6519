/** What can happen to a conversation. The router and delivery produce these; the machine consumes them. */
import type { Message } from "@grammyjs/types";

/**
 * The user's profile as last seen; refreshed on every user message. For a monitored group or
 * channel the "user" is the chat itself: `chatKind` is set, `id` is the chat's id, `firstName`
 * its title and `username` its public username.
 */
export interface UserProfile {
  id: number;
  firstName: string;
  /** Set when the conversation is a monitored group or channel rather than a private chat. */
  chatKind?: ChatKind;
  lastName?: string;
  username?: string;
  languageCode?: string;
}

/** What a monitored non-private chat is (Hotline's `leave_closed` words). */
export type ChatKind = "group" | "channel";

/** The kind of a conversation: a private chat, or a monitored group or channel. */
export const conversationKindOf = (user: UserProfile): "private" | ChatKind => user.chatKind ?? "private";

/** An operator command in the user's topic, parsed: `/close@bot now` → { name: "close", args: "now" }. */
export interface ParsedCommand {
  name: string;
  args: string;
}

/**
 * Plugin gate decisions carried by an event (see src/plugins/api.ts). Absent means open: with
 * no plugins, everything is accepted, opens topics and is relayed.
 */
export interface EventGates {
  open?: boolean;
  relay?: boolean;
  /** `false`: the dialog stays (or is created) closed while the message is still relayed. */
  reopen?: boolean;
  /** A plugin handles this command. */
  handled?: boolean;
}

/** Every event a conversation reacts to. */
export type ConversationEvent =
  | { type: "user.message"; message: Message; user: UserProfile; gates?: EventGates }
  | { type: "user.edited"; message: Message }
  | { type: "user.blocked" }
  | { type: "user.unblocked" }
  | { type: "operator.message"; message: Message; replyToTopicMessageId?: number; gates?: EventGates }
  | { type: "operator.edited"; message: Message }
  /**
   * An operator's text sent through the Topics API: it exists in no chat yet, so it is sent to
   * the user as a message and shown in the topic too (like a template), not copied. `message`
   * stands for it (a negative id, from the API's pseudo-operator), for plugins that report it.
   */
  | { type: "operator.api_text"; message: Message }
  | { type: "operator.command"; command: ParsedCommand; message: Message; gates?: EventGates }
  /** Closes the dialog like /close, on a plugin's behalf (autoclose). */
  | { type: "dialog.close"; reason: string }
  | { type: "user.reacted"; messageId: number; emoji: string | null }
  | { type: "operator.reacted"; messageId: number; emoji: string | null }
  /** A message the parallel system sent to this user (intercepted through the proxy). */
  | { type: "bot.intercepted"; message: Message }
  /** The parallel system edited a message it had sent to this user (its new version). */
  | { type: "bot.intercepted_edit"; message: Message }
  | { type: "topic.created"; topicId: number }
  /** Delivery found the topic gone (deleted by an operator): a new one is created. */
  | { type: "topic.lost" }
  /** A send to the user failed for good: they blocked the bot, the account is deactivated, or Telegram no longer knows their chat. */
  | { type: "delivery.blocked"; reason: "blocked" | "deactivated" | "vanished" }
  /** An intent was given up (after a notice in the topic); plugins may tell the user. */
  | { type: "delivery.failed"; intent: string; messageId?: number; reason: string }
  | { type: "timer"; kind: string }
  /**
   * A plugin's background work reports a result into the conversation (say, a command
   * webhook's answer): the machine ignores it; the plugin's `onEvent` turns it into intents,
   * which commit with the step like any other.
   */
  | { type: "plugin.result"; plugin: string; kind: string; data: unknown }
  /**
   * A plugin answers the user on the operators' behalf (a template sent with `/send`): the dialog
   * becomes 🟨 as after an operator's message (a closed topic reopens), and the plugin named
   * `plugin` sends what it sends in its reaction to this event, after the reopening.
   */
  | { type: "plugin.answered"; plugin: string; value: unknown };

