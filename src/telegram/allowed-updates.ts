/** The update kinds Switchboard asks Telegram for. `message_reaction` must be asked for explicitly. */
export const allowedUpdates = ["message", "edited_message", "my_chat_member", "message_reaction", "callback_query"] as const;
