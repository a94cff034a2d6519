/**
 * MTProto updates → the Bot API shapes the rest of Switchboard already understands, so the
 * router, the machine and the plugins are the same in every mode. Pure functions: raw TL in,
 * update bodies out (ids are assigned by the session).
 *
 * Only what Switchboard reads is converted: ids, chat, sender, date, text/caption with entities,
 * the kind of media (with its file id, from mtcute, in the Bot API's format), replies, forum
 * topics, albums, protection, buttons. Relaying copies messages by id (`copyMessage`), and ids
 * are the same in both APIs for one bot, so nothing else is needed to relay a message.
 */
import type { InlineKeyboardButton, KeyboardButton, Message, MessageEntity, Update, User } from "@grammyjs/types";
import type { Message as MtMessage, PeersIndex, tl } from "@mtcute/core";

/** An update without its id. */
export type UpdateBody = Omit<Update, "update_id">;

/** What a converted update is; `out` messages of private chats are the other system's (or our own) sends. */
export type Converted =
  | { kind: "update"; body: UpdateBody; key: string }
  /** A message this bot sent (or edited) in a user's chat through another session, or through our Bot API client. */
  | { kind: "outgoing"; chatId: number; message: Message; key: string; edited: boolean }
  | { kind: "skip"; reason: string };

/** The bot itself, for `from` of outgoing messages (MTProto leaves it out in private chats). */
export interface Me {
  id: number;
  first_name: string;
  username: string;
}

/** What a conversion needs: the bot, and mtcute's message class (it reads media and file ids). */
export interface ConvertContext {
  me: Me;
  /** `Message` from `@mtcute/core`, passed in because mtcute is loaded lazily (mtcute.ts). */
  MessageClass: new (raw: tl.RawMessage, peers: PeersIndex) => MtMessage;
}

/** A channel's Bot API chat id (-100…), as mtcute's getMarkedPeerId computes it. */
const markedChannelId = (channelId: number) => -1_000_000_000_000 - channelId;

const skip = (reason: string): Converted => ({ kind: "skip", reason });

/** Converts one raw update. */
export function convertUpdate(update: tl.TypeUpdate, peers: PeersIndex, ctx: ConvertContext): Converted {
  switch (update._) {
    case "updateNewMessage":
    case "updateNewChannelMessage":
      return convertMessageUpdate(update.message, peers, ctx, false);
    case "updateEditMessage":
    case "updateEditChannelMessage":
      return convertMessageUpdate(update.message, peers, ctx, true);
    case "updateBotMessageReaction":
      return convertReaction(update, peers);
    case "updateBotStopped":
      return convertBotStopped(update, peers, ctx.me);
    default:
      return skip(`not used: ${update._}`);
  }
}

function convertMessageUpdate(raw: tl.TypeMessage, peers: PeersIndex, ctx: ConvertContext, edited: boolean): Converted {
  if (raw._ === "messageService" && !edited) return convertTopicCreated(raw, peers, ctx);
  if (raw._ !== "message") return skip(raw._ === "messageService" ? "service message" : "empty message");
  const message = toBotApiMessage(raw, peers, ctx);
  if (!message) return skip("message in a chat Switchboard does not use");
  const key = `${edited ? "e" : "m"}:${message.chat.id}:${raw.id}${edited ? `:${raw.editDate ?? 0}` : ""}`;
  if (message.chat.type === "channel") {
    // The Bot API never shows a bot its own channel posts (the monitor plugin's answers).
    if (raw.out) return skip("the bot's own channel post");
    return { kind: "update", body: (edited ? { edited_channel_post: message } : { channel_post: message }) as UpdateBody, key };
  }
  if (raw.out) {
    // The Bot API never shows a bot its own messages; in a private chat they are interceptions.
    if (message.chat.type !== "private") return skip("outgoing message outside a private chat");
    return { kind: "outgoing", chatId: message.chat.id, message, key, edited };
  }
  return { kind: "update", body: (edited ? { edited_message: message } : { message }) as UpdateBody, key };
}

/**
 * A topic the bot created (through its Bot API session): the `forum_topic_created` service
 * message, which adopts a creation whose answer was lost (pipeline/delivery/creations.ts). Other
 * service messages are not used.
 */
function convertTopicCreated(raw: tl.RawMessageService, peers: PeersIndex, ctx: ConvertContext): Converted {
  if (raw.action._ !== "messageActionTopicCreate" || !raw.out) return skip("service message");
  const chat = chatOf(raw.peerId, peers);
  if (!chat || chat.type !== "supergroup") return skip("topic created outside a supergroup");
  const created = { name: raw.action.title, icon_color: raw.action.iconColor, ...(raw.action.iconEmojiId ? { icon_custom_emoji_id: raw.action.iconEmojiId.toString() } : {}) };
  // The root message's id is the topic's thread id.
  const message = { message_id: raw.id, message_thread_id: raw.id, from: botUser(ctx.me), chat, date: raw.date, is_topic_message: true, forum_topic_created: created };
  return { kind: "update", body: { message } as unknown as UpdateBody, key: `t:${chat.id}:${raw.id}` };
}

/** The Bot API `Message` for a raw message; undefined for chats Switchboard never uses. */
export function toBotApiMessage(raw: tl.RawMessage, peers: PeersIndex, ctx: ConvertContext): Message | undefined {
  const chat = chatOf(raw.peerId, peers);
  if (!chat) return undefined;
  const m: Record<string, unknown> = { message_id: raw.id };
  const header = raw.replyTo?._ === "messageReplyHeader" ? raw.replyTo : undefined;
  const thread = header?.forumTopic ? (header.replyToTopId ?? header.replyToMsgId) : undefined;
  if (thread !== undefined) m.message_thread_id = thread;
  const sender = raw.out ? botUser(ctx.me) : senderOf(raw, peers, chat);
  // A channel post is the channel's own, as the Bot API shows it, whoever wrote it.
  if (chat.type === "channel" && !raw.out) m.sender_chat = chat;
  else if (sender && "first_name" in sender) m.from = sender;
  else if (sender) m.sender_chat = sender;
  m.chat = chat;
  m.date = raw.date;
  if (raw.editDate) m.edit_date = raw.editDate;
  if (thread !== undefined) m.is_topic_message = true;
  if (header?.replyToMsgId !== undefined && !header.replyToPeerId) {
    // Only the id is known here; the router reads nothing else of a replied message.
    m.reply_to_message = { message_id: header.replyToMsgId, chat, date: 0 };
  }
  if (raw.groupedId) m.media_group_id = raw.groupedId.toString();
  if (raw.noforwards) m.has_protected_content = true;
  const media = raw.media ? mediaFields(new ctx.MessageClass(raw, peers)) : {};
  const entities = (raw.entities ?? []).flatMap((e) => entityOf(e, peers));
  if (Object.keys(media).length > 0) {
    Object.assign(m, media);
    if (raw.message) m.caption = raw.message;
    if (raw.message && entities.length) m.caption_entities = entities;
  } else if (raw.message) {
    m.text = raw.message;
    if (entities.length) m.entities = entities;
  }
  const markup = markupOf(raw.replyMarkup);
  if (markup) m.reply_markup = markup;
  return m as unknown as Message;
}

const botUser = (me: Me): User => ({ id: me.id, is_bot: true, first_name: me.first_name, username: me.username });

/** The Bot API `User` of a raw user (a stub when the session does not know the user yet). */
export function userOf(id: number, peers: PeersIndex): User {
  const u = peers.users.get(id);
  if (!u || u._ !== "user") return { id, is_bot: false, first_name: "" };
  const user: User = { id, is_bot: Boolean(u.bot), first_name: u.firstName ?? "" };
  if (u.lastName) user.last_name = u.lastName;
  const username = u.username ?? u.usernames?.find((x) => x.active)?.username;
  if (username) user.username = username;
  if (u.langCode) user.language_code = u.langCode;
  return user;
}

type ChatView = Message["chat"];

function chatOf(peer: tl.TypePeer, peers: PeersIndex): ChatView | undefined {
  if (peer._ === "peerUser") {
    const u = userOf(peer.userId, peers);
    return { id: u.id, type: "private", first_name: u.first_name, ...(u.last_name ? { last_name: u.last_name } : {}), ...(u.username ? { username: u.username } : {}) } as ChatView;
  }
  // Basic groups and channels matter for monitoring (monitor_groups, monitor_channels).
  if (peer._ === "peerChat") {
    const c = peers.chats.get(peer.chatId);
    return { id: -peer.chatId, type: "group", title: c && "title" in c ? c.title : "" } as ChatView;
  }
  if (peer._ !== "peerChannel") return undefined;
  const c = peers.chats.get(peer.channelId);
  const title = c && "title" in c ? c.title : "";
  const channel = c && c._ === "channel" ? c : undefined;
  const username = channel?.username ?? channel?.usernames?.find((x) => x.active)?.username;
  const named = username ? { username } : {};
  if (channel?.broadcast) return { id: markedChannelId(peer.channelId), type: "channel", title, ...named } as ChatView;
  return { id: markedChannelId(peer.channelId), type: "supergroup", title, ...named, ...(channel?.forum ? { is_forum: true } : {}) } as ChatView;
}

/** The sender: a user, or a chat for anonymous admins and channel posts (`sender_chat`). */
function senderOf(raw: tl.RawMessage, peers: PeersIndex, chat: ChatView): User | ChatView | undefined {
  const from = raw.fromId ?? (chat.type === "private" ? raw.peerId : undefined);
  if (!from) return undefined;
  if (from._ === "peerUser") return userOf(from.userId, peers);
  return chatOf(from, peers);
}

/** Media as the Bot API names it; empty for web page previews (those are text messages there). */
function mediaFields(message: MtMessage): Record<string, unknown> {
  const media = message.media;
  if (!media) return {};
  const file = (f: { fileId: string; uniqueFileId: string; fileSize?: number | undefined }) => ({
    file_id: f.fileId, file_unique_id: f.uniqueFileId, ...(f.fileSize ? { file_size: f.fileSize } : {}),
  });
  const doc = (d: { fileName: string | null; mimeType: string }) => ({ ...(d.fileName ? { file_name: d.fileName } : {}), mime_type: d.mimeType });
  switch (media.type) {
    case "photo":
      return { photo: [{ ...file(media), width: media.width, height: media.height }] };
    case "video":
      if (media.isRound) return { video_note: { ...file(media), length: media.width, duration: media.duration } };
      if (media.isAnimation) {
        const animation = { ...file(media), ...doc(media), width: media.width, height: media.height, duration: media.duration };
        return { animation, document: { ...file(media), ...doc(media) } };
      }
      return { video: { ...file(media), ...doc(media), width: media.width, height: media.height, duration: media.duration } };
    case "audio":
      return { audio: { ...file(media), ...doc(media), duration: media.duration, ...(media.performer ? { performer: media.performer } : {}), ...(media.title ? { title: media.title } : {}) } };
    case "voice":
      return { voice: { ...file(media), mime_type: media.mimeType, duration: media.duration } };
    case "sticker":
      return { sticker: { ...file(media), type: "regular", width: media.width, height: media.height, is_animated: media.mimeType === "application/x-tgsticker", is_video: media.mimeType === "video/webm", ...(media.emoji ? { emoji: media.emoji } : {}) } };
    case "document":
      return { document: { ...file(media), ...doc(media) } };
    case "location":
    case "live_location":
      return { location: { latitude: media.latitude, longitude: media.longitude } };
    case "venue":
      return { venue: { location: { latitude: media.location.latitude, longitude: media.location.longitude }, title: media.title, address: media.address } };
    case "contact":
      return { contact: { phone_number: media.phoneNumber, first_name: media.firstName, ...(media.lastName ? { last_name: media.lastName } : {}), ...(media.userId ? { user_id: media.userId } : {}) } };
    case "dice":
      return { dice: { emoji: media.emoji, value: media.value } };
    case "poll":
      return { poll: { id: String(media.id), question: media.question, options: media.answers.map((a) => ({ text: a.text, voter_count: a.voters })), is_closed: media.isClosed, is_anonymous: !media.isPublic, type: media.isQuiz ? "quiz" : "regular", allows_multiple_answers: media.isMultiple, total_voter_count: media.voters } };
    case "game":
      return { game: { title: media.title, description: media.description, photo: [] } };
    case "story":
      return { story: { chat: { id: media.peer.id, type: media.peer.type === "user" ? "private" : "channel" }, id: media.storyId } };
    case "invoice":
      return { invoice: { title: media.title, description: media.description, start_parameter: media.startParam ?? "", currency: media.currency, total_amount: Number(media.amount) } };
    case "paid":
      return { paid_media: { star_count: 0, paid_media: [] } };
    default:
      // Web page previews are text in the Bot API; anything newer is left to the text.
      return {};
  }
}

/** Raw entity names that map one to one (messageEntityBold → bold). */
const SIMPLE_ENTITIES: Record<string, MessageEntity["type"]> = {
  messageEntityMention: "mention", messageEntityHashtag: "hashtag", messageEntityCashtag: "cashtag",
  messageEntityBotCommand: "bot_command", messageEntityUrl: "url", messageEntityEmail: "email",
  messageEntityPhone: "phone_number", messageEntityBold: "bold", messageEntityItalic: "italic",
  messageEntityUnderline: "underline", messageEntityStrike: "strikethrough", messageEntitySpoiler: "spoiler",
  messageEntityCode: "code",
};

/** One entity (offsets are UTF-16 in both APIs); kinds the Bot API lacks are dropped. */
function entityOf(e: tl.TypeMessageEntity, peers: PeersIndex): MessageEntity[] {
  const at = { offset: e.offset, length: e.length };
  const simple = SIMPLE_ENTITIES[e._];
  if (simple) return [{ type: simple, ...at } as MessageEntity];
  switch (e._) {
    case "messageEntityPre":
      return [{ type: "pre", ...at, ...(e.language ? { language: e.language } : {}) }];
    case "messageEntityTextUrl":
      return [{ type: "text_link", ...at, url: e.url }];
    case "messageEntityMentionName":
      return [{ type: "text_mention", ...at, user: userOf(e.userId, peers) }];
    case "messageEntityCustomEmoji":
      return [{ type: "custom_emoji", ...at, custom_emoji_id: e.documentId.toString() }];
    case "messageEntityBlockquote":
      return [{ type: e.collapsed ? "expandable_blockquote" : "blockquote", ...at }];
    default:
      return [];
  }
}

/** Buttons, enough to show them as text (`intercept`) and to tell inline from reply keyboards. */
function markupOf(markup: tl.TypeReplyMarkup | undefined): Message["reply_markup"] | undefined {
  if (!markup) return undefined;
  if (markup._ === "replyInlineMarkup") {
    const inline_keyboard = markup.rows.map((row) => row.buttons.map((b): InlineKeyboardButton => {
      if (b._ === "keyboardButtonUrl") return { text: b.text, url: b.url };
      if (b._ === "keyboardButtonCallback") return { text: b.text, callback_data: new TextDecoder().decode(b.data) };
      return { text: "text" in b ? b.text : "", callback_data: "" };
    }));
    return { inline_keyboard };
  }
  if (markup._ === "replyKeyboardMarkup") {
    // Not part of the Bot API's Message type, but intercepted messages show them too.
    const keyboard = markup.rows.map((row) => row.buttons.map((b): KeyboardButton => ({ text: "text" in b ? b.text : "" })));
    return { keyboard } as unknown as Message["reply_markup"];
  }
  return undefined;
}

function reactionsOf(list: tl.TypeReaction[]): unknown[] {
  return list.flatMap((r): unknown[] =>
    r._ === "reactionEmoji" ? [{ type: "emoji" as const, emoji: r.emoticon }]
    : r._ === "reactionCustomEmoji" ? [{ type: "custom_emoji" as const, custom_emoji_id: r.documentId.toString() }]
    : r._ === "reactionPaid" ? [{ type: "paid" as const }]
    : []
  );
}

function convertReaction(u: tl.RawUpdateBotMessageReaction, peers: PeersIndex): Converted {
  const chat = chatOf(u.peer, peers);
  if (!chat) return skip("reaction outside a private chat or supergroup");
  const body: Record<string, unknown> = { chat, message_id: u.msgId, date: u.date, old_reaction: reactionsOf(u.oldReactions), new_reaction: reactionsOf(u.newReactions) };
  if (u.actor._ === "peerUser") body.user = userOf(u.actor.userId, peers);
  else body.actor_chat = chatOf(u.actor, peers);
  return { kind: "update", body: { message_reaction: body } as unknown as UpdateBody, key: `r:${u.qts}` };
}

/** A user stopping (blocking) or restarting the bot, as the Bot API's `my_chat_member`. */
function convertBotStopped(u: tl.RawUpdateBotStopped, peers: PeersIndex, me: Me): Converted {
  const user = userOf(u.userId, peers);
  const chat = chatOf({ _: "peerUser", userId: u.userId }, peers);
  const member = (status: "kicked" | "member") => (status === "kicked" ? { status, user: botUser(me), until_date: 0 } : { status, user: botUser(me) });
  const body = {
    chat, from: user, date: u.date,
    old_chat_member: member(u.stopped ? "member" : "kicked"),
    new_chat_member: member(u.stopped ? "kicked" : "member"),
  };
  return { kind: "update", body: { my_chat_member: body } as unknown as UpdateBody, key: `s:${u.qts}` };
}
