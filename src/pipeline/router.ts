/**
 * The router: one Telegram update → (conversation, event), or a reason to drop it.
 * It never throws; anything it does not understand is dropped with a reason for the log.
 */
import type { Message, Update } from "@grammyjs/types";
import type { ChatKind, ConversationEvent, ParsedCommand, UserProfile } from "../conversation/events.ts";
import { apiActionOf, apiEvent } from "./api-updates.ts";

/** Where an update goes. */
export type Route =
  | { kind: "conversation"; chatId: number; event: ConversationEvent; user?: UserProfile }
  /** An operator command in the General topic: not about one conversation. */
  | { kind: "general"; command: ParsedCommand; message: Message }
  /**
   * The service message of a topic this bot created: the stepper adopts it for a conversation
   * whose creation is in doubt, or has it deleted if no conversation owns it (steps.ts).
   */
  | { kind: "topic-created"; topicId: number; name: string }
  | { kind: "drop"; reason: string };

/** What the router needs to know about the bot. */
export interface RouterContext {
  botId: number;
  botUsername: string;
  groupId: number;
  /** The user chat owning a topic, from the store. */
  chatOfTopic(topicId: number): Promise<number | undefined>;
  /** The user chat a relayed topic message belongs to (reactions carry no thread id). */
  chatOfTopicMessage(messageId: number): Promise<number | undefined>;
  /** Told of every message in the operators' group it routes (such a message exists: a reaction on it needs no copy in flight). */
  sawGroupMessage?(messageId: number): void;
}

const drop = (reason: string): Route => ({ kind: "drop", reason });

/** The payload of a synthetic update recording what a parallel system sent (see telegram/proxy). */
export interface InterceptedPayload {
  chat_id: number;
  message: Message;
  /** The parallel system edited this message (it was sent before). */
  edited?: boolean;
}

/** The intercepted message a synthetic update carries, if it is one. */
export const interceptedOf = (update: Update): InterceptedPayload | undefined =>
  (update as { switchboard_intercepted?: InterceptedPayload }).switchboard_intercepted;

/** Builds the user's profile from a message sender. */
export const profileOf = (from: NonNullable<Message["from"]>): UserProfile => ({
  id: from.id,
  firstName: from.first_name,
  ...(from.last_name ? { lastName: from.last_name } : {}),
  ...(from.username ? { username: from.username } : {}),
  ...(from.language_code ? { languageCode: from.language_code } : {}),
});

/** The profile of a monitored group or channel: the chat stands for the "user" of its conversation. */
export const chatProfileOf = (chat: Message["chat"], kind: ChatKind): UserProfile => {
  const c = chat as { id: number; title?: string; username?: string };
  return { id: c.id, firstName: c.title ?? `chat ${c.id}`, chatKind: kind, ...(c.username ? { username: c.username } : {}) };
};

/** Parses `/cmd@bot args`; undefined when the text is not a command for this bot. */
export function parseCommand(text: string, botUsername: string): ParsedCommand | undefined {
  const match = /^\/([A-Za-z0-9_]+)(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return undefined;
  if (match[2] && match[2].toLowerCase() !== botUsername.toLowerCase()) return undefined;
  return { name: match[1].toLowerCase(), args: (match[3] ?? "").trim() };
}

/** Messages that only record something happening in the chat (topic created, member joined…). */
function isServiceMessage(m: Message): boolean {
  const content = m as unknown as Record<string, unknown>;
  return ![
    "text", "photo", "video", "voice", "audio", "document", "sticker", "animation", "video_note",
    "location", "venue", "contact", "poll", "dice", "game", "story", "invoice", "paid_media", "giveaway",
  ].some((key) => key in content);
}

/** Routes one update. */
export async function route(update: Update, ctx: RouterContext): Promise<Route> {
  const intercepted = interceptedOf(update);
  if (intercepted) {
    if (intercepted.chat_id <= 0) return drop("intercepted message outside a private chat");
    const type = intercepted.edited ? "bot.intercepted_edit" : "bot.intercepted";
    return { kind: "conversation", chatId: intercepted.chat_id, event: { type, message: intercepted.message } };
  }
  const api = apiActionOf(update);
  if (api) return { kind: "conversation", ...apiEvent(update.update_id, api, ctx.groupId) };
  if (update.message) return routeMessage(update.message, ctx, false);
  if (update.edited_message) return routeMessage(update.edited_message, ctx, true);
  if (update.channel_post) return routeMonitored(update.channel_post, "channel", false, ctx.botId);
  if (update.edited_channel_post) return routeMonitored(update.edited_channel_post, "channel", true, ctx.botId);
  if (update.message_reaction) {
    const r = update.message_reaction;
    if (!r.user || r.user.is_bot) return drop("reaction by a bot or an anonymous admin");
    // Bots without Premium may set one reaction: mirror the newest emoji, or remove ours.
    const emojis = r.new_reaction.flatMap((x) => (x.type === "emoji" ? [x.emoji] : []));
    const emoji = emojis.length > 0 ? emojis[emojis.length - 1] : null;
    if (r.chat.type === "private") return { kind: "conversation", chatId: r.chat.id, event: { type: "user.reacted", messageId: r.message_id, emoji } };
    if (r.chat.id !== ctx.groupId) return drop("reaction outside the operators' group");
    const chatId = await ctx.chatOfTopicMessage(r.message_id);
    if (chatId === undefined) return drop("reaction on a message that was not relayed");
    return { kind: "conversation", chatId, event: { type: "operator.reacted", messageId: r.message_id, emoji } };
  }
  if (update.my_chat_member) {
    const m = update.my_chat_member;
    if (m.chat.type !== "private") return drop("my_chat_member outside a private chat");
    const now = m.new_chat_member.status;
    const before = m.old_chat_member.status;
    if (now === "kicked" && before !== "kicked") return { kind: "conversation", chatId: m.chat.id, event: { type: "user.blocked" } };
    if (now !== "kicked" && before === "kicked") return { kind: "conversation", chatId: m.chat.id, event: { type: "user.unblocked" } };
    return drop("my_chat_member without a block change");
  }
  return drop(`unhandled update kind: ${Object.keys(update).filter((k) => k !== "update_id").join(",") || "empty"}`);
}

/**
 * A message in a group the bot is in, or a post in a channel it administers: the conversation is
 * the chat's. Whether such chats are relayed at all is the `monitor` plugin's call (its `accept`
 * gate), so the router only leaves out what is never relayed: messages of bots (ours included),
 * posts the linked channel forwards automatically, and service messages (members joining, the
 * title changing …).
 */
function routeMonitored(m: Message, kind: ChatKind, edited: boolean, botId: number): Route {
  // Our own answers must never come back as the chat's messages.
  if (m.from?.is_bot || (m.via_bot !== undefined && m.via_bot.id === botId)) return drop(`${kind} message from a bot`);
  if (m.is_automatic_forward) return drop("post forwarded automatically from the linked channel");
  if (isServiceMessage(m)) return drop(`service message in a ${kind}`);
  const chatId = m.chat.id;
  // A group's messages reach the topic as forwards, which cannot be edited: edits stay in the group.
  if (edited && kind === "group") return drop("edit in a monitored group");
  if (edited) return { kind: "conversation", chatId, event: { type: "user.edited", message: m } };
  const user = chatProfileOf(m.chat, kind);
  return { kind: "conversation", chatId, event: { type: "user.message", message: m, user }, user };
}

async function routeMessage(m: Message, ctx: RouterContext, edited: boolean): Promise<Route> {
  if (m.chat.type === "private") {
    if (!m.from || m.from.is_bot) return drop("private message from a bot");
    if (isServiceMessage(m) && !edited) return drop("service message in a private chat");
    return edited
      ? { kind: "conversation", chatId: m.chat.id, event: { type: "user.edited", message: m } }
      : { kind: "conversation", chatId: m.chat.id, event: { type: "user.message", message: m, user: profileOf(m.from) }, user: profileOf(m.from) };
  }
  if (m.chat.id !== ctx.groupId) {
    if (m.chat.type === "group" || m.chat.type === "supergroup") return routeMonitored(m, "group", edited, ctx.botId);
    return drop(`message in chat ${m.chat.id}, which is not the operators' group`);
  }
  ctx.sawGroupMessage?.(m.message_id);
  if (m.forum_topic_created && !edited) {
    if (m.from?.id !== ctx.botId) return drop("topic created by someone else");
    return { kind: "topic-created", topicId: m.message_thread_id ?? m.message_id, name: m.forum_topic_created.name };
  }
  if (!m.from || m.from.is_bot || m.sender_chat) return drop("group message from a bot or on behalf of a chat");
  if (isServiceMessage(m)) return drop("service message in the group");
  if (m.message_thread_id === undefined || !m.is_topic_message) {
    const command = !edited && m.text?.startsWith("/") && !m.text.startsWith("/ ") ? parseCommand(m.text, ctx.botUsername) : undefined;
    return command ? { kind: "general", command, message: m } : drop("message in the General topic");
  }
  const chatId = await ctx.chatOfTopic(m.message_thread_id);
  if (chatId === undefined) return drop(`topic ${m.message_thread_id} belongs to no conversation`);
  if (edited) return { kind: "conversation", chatId, event: { type: "operator.edited", message: m } };
  const text = m.text ?? "";
  // "/ text" is an internal comment: never relayed, never a command.
  if (text.startsWith("/ ") || text === "/") return drop("operator comment");
  if (text.startsWith("/")) {
    const command = parseCommand(text, ctx.botUsername);
    if (!command) return drop("command for another bot");
    return { kind: "conversation", chatId, event: { type: "operator.command", command, message: m } };
  }
  // A topic message replying to nothing carries the topic's root message: not a real reply.
  const replyTo = m.reply_to_message && m.reply_to_message.message_id !== m.message_thread_id ? m.reply_to_message.message_id : undefined;
  return { kind: "conversation", chatId, event: { type: "operator.message", message: m, ...(replyTo ? { replyToTopicMessageId: replyTo } : {}) } };
}
