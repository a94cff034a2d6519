import type { Update } from "@grammyjs/types";

/** An update kind: a field of `Update` besides `update_id`. */
export type UpdateKind = Exclude<keyof Update, "update_id">;

/** The update kinds Switchboard asks Telegram for (`channel_post`: monitored channels). `message_reaction` must be asked for explicitly. */
export const allowedUpdates = ["message", "edited_message", "channel_post", "edited_channel_post", "my_chat_member", "message_reaction", "callback_query"] as const;

/**
 * Every update kind of the Bot API, in Telegram's order (the order getWebhookInfo lists them in).
 * In proxy mode Switchboard asks for all of them, so the parallel system behind the proxy can get
 * whatever it asks for (inline queries, payments, polls, chat members …); the router drops what
 * Switchboard itself does not handle.
 */
export const everyUpdateType = [
  "message", "edited_message", "channel_post", "edited_channel_post", "inline_query", "chosen_inline_result", "callback_query",
  "shipping_query", "pre_checkout_query", "poll", "poll_answer", "my_chat_member", "chat_member", "chat_join_request",
  "chat_boost", "removed_chat_boost", "message_reaction", "message_reaction_count", "business_connection", "business_message",
  "edited_business_message", "deleted_business_messages", "purchased_paid_media", "managed_bot", "guest_message",
] as const satisfies readonly UpdateKind[];
