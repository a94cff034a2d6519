/**
 * The fields of an update that Switchboard reads, as `effect/Schema`s: every id, every string
 * the router and the plugins look at, in the shapes they read them. An update that decodes
 * against these can be routed, stepped and stored without a value of the wrong type ever
 * reaching the store (the SQLite driver aborts the process on a boolean) or a plugin.
 *
 * Only what is read is described. Everything else in an update passes unchecked and is kept as
 * it came (relaying copies messages by id; other fields are only handed back to Telegram), so a
 * new Bot API field, or a new kind of update, never sets an update aside. Optional fields may
 * be absent but never `null`: Telegram leaves out what it has nothing for. The identifiers name
 * the shapes in the reasons a dead letter records ("message: Expected Message, actual null").
 */
import * as Schema from "effect/Schema";

/** A Telegram id: chats, users, messages, threads (a safe integer; chat ids can pass 2^31). */
const Id = Schema.Int;

/** A user as the router and the conversation's profile read it. */
const User = Schema.Struct({
  id: Id,
  is_bot: Schema.Boolean,
  first_name: Schema.String,
  last_name: Schema.optional(Schema.String),
  username: Schema.optional(Schema.String),
  language_code: Schema.optional(Schema.String),
}).annotations({ identifier: "User" });

/** A chat: its id and type decide; a monitored group's or channel's title and username name its dialog. */
const Chat = Schema.Struct({
  id: Id,
  type: Schema.String,
  title: Schema.optional(Schema.String),
  username: Schema.optional(Schema.String),
}).annotations({ identifier: "Chat" });

/** Entities are shifted and handed back to Telegram with the text they mark. */
const Entity = Schema.Struct({ type: Schema.String, offset: Schema.Int, length: Schema.Int }).annotations({ identifier: "Entity" });

/** A button as the intercept plugin renders it (`[text]`). */
const Button = Schema.Struct({ text: Schema.String }).annotations({ identifier: "Button" });

/** Buttons under a message (intercepted messages show them as text lines). */
const Markup = Schema.Struct({
  inline_keyboard: Schema.optional(Schema.Array(Schema.Array(Button))),
  keyboard: Schema.optional(Schema.Array(Schema.Array(Schema.Union(Schema.String, Button)))),
}).annotations({ identifier: "Markup" });

/** A message: its ids, sender, place (topic), text and what relaying it needs. */
const Message = Schema.Struct({
  message_id: Id,
  date: Schema.Int,
  chat: Chat,
  from: Schema.optional(User),
  sender_chat: Schema.optional(Chat),
  message_thread_id: Schema.optional(Id),
  is_topic_message: Schema.optional(Schema.Boolean),
  // Only its id is read: replies are mapped by id, both ways.
  reply_to_message: Schema.optional(Schema.Struct({ message_id: Id })),
  text: Schema.optional(Schema.String),
  caption: Schema.optional(Schema.String),
  entities: Schema.optional(Schema.Array(Entity)),
  caption_entities: Schema.optional(Schema.Array(Entity)),
  media_group_id: Schema.optional(Schema.String),
  has_protected_content: Schema.optional(Schema.Boolean),
  reply_markup: Schema.optional(Markup),
  // Topic adoption matches the bot's own creations by name (router.ts, store/topic-requests.ts).
  forum_topic_created: Schema.optional(Schema.Struct({ name: Schema.String })),
  // Monitored chats drop the bot's own inline results and the channel's automatic forwards (router.ts).
  via_bot: Schema.optional(User),
  is_automatic_forward: Schema.optional(Schema.Boolean),
}).annotations({ identifier: "Message" });

/** A reaction change (mirrored between the user's chat and the topic). */
const MessageReaction = Schema.Struct({
  chat: Chat,
  message_id: Id,
  user: Schema.optional(User),
  new_reaction: Schema.Array(Schema.Struct({ type: Schema.String, emoji: Schema.optional(Schema.String) })),
}).annotations({ identifier: "MessageReaction" });

/** The bot's membership in a chat changed (a user blocked or unblocked it). */
const ChatMemberUpdated = Schema.Struct({
  chat: Chat,
  old_chat_member: Schema.Struct({ status: Schema.String }),
  new_chat_member: Schema.Struct({ status: Schema.String }),
}).annotations({ identifier: "ChatMemberUpdated" });

/** What a parallel system sent to a user (see telegram/proxy and the router). */
const Intercepted = Schema.Struct({ chat_id: Id, message: Message, edited: Schema.optional(Schema.Boolean) }).annotations({ identifier: "Intercepted" });

/** What a Topics API call asks of a conversation (see pipeline/api-updates.ts). */
const ApiAction = Schema.Struct({
  chat_id: Id,
  action: Schema.Literal("user_message", "command", "operator_text"),
  date: Schema.Int,
  text: Schema.optional(Schema.String),
  name: Schema.optional(Schema.String),
  args: Schema.optional(Schema.String),
  topic_id: Schema.optional(Id),
  user: Schema.optional(Schema.Struct({
    first_name: Schema.String,
    last_name: Schema.optional(Schema.String),
    username: Schema.optional(Schema.String),
    language_code: Schema.optional(Schema.String),
  })),
}).annotations({ identifier: "ApiAction" });

/** The kinds of update the router reads; any other kind passes unchecked (and is dropped there). */
const kinds = {
  message: Schema.optional(Message),
  edited_message: Schema.optional(Message),
  channel_post: Schema.optional(Message),
  edited_channel_post: Schema.optional(Message),
  message_reaction: Schema.optional(MessageReaction),
  my_chat_member: Schema.optional(ChatMemberUpdated),
};

/**
 * An update from the Bot API (polling, webhook). Telegram numbers its updates from 1 up, and
 * the polling offset is built from those numbers; only Switchboard's own updates carry a
 * `switchboard_intercepted` record.
 */
export const TelegramUpdate = Schema.Struct({
  update_id: Id.pipe(Schema.positive()),
  ...kinds,
  switchboard_intercepted: Schema.optional(Schema.Never),
  switchboard_api: Schema.optional(Schema.Never),
}).annotations({ identifier: "TelegramUpdate" });

/**
 * An update Switchboard made itself (MTProto updates, intercepted messages): a negative id
 * (see util/synthetic-id.ts), so it never collides with Telegram's or moves the offset.
 */
export const OwnUpdate = Schema.Struct({
  update_id: Id.pipe(Schema.negative()),
  ...kinds,
  switchboard_intercepted: Schema.optional(Intercepted),
  switchboard_api: Schema.optional(ApiAction),
}).annotations({ identifier: "OwnUpdate" });
