/**
 * Which updates the parallel system behind the proxy sees: everything Telegram sends the bot,
 * except what happens in the operators' group (operators' replies are not visible to the other
 * system, as in the reference product) and Switchboard's own synthetic updates.
 */
import type { Update } from "@grammyjs/types";
import { interceptedOf } from "../../pipeline/router.ts";

/** The chat an update happened in, where it has one. */
function chatOf(update: Update): number | undefined {
  const u = update as unknown as Record<string, { chat?: { id: number }; message?: { chat?: { id: number } } } | undefined>;
  for (const kind of ["message", "edited_message", "channel_post", "edited_channel_post", "my_chat_member", "chat_member", "chat_join_request", "message_reaction", "message_reaction_count"]) {
    const chat = u[kind]?.chat;
    if (chat) return chat.id;
  }
  return u.callback_query?.message?.chat?.id;
}

/** The filter for a bot whose operators' group is `groupId`. */
export const mirrorsToParallel = (groupId: number) => (update: Update): boolean =>
  update.update_id > 0 && !interceptedOf(update) && chatOf(update) !== groupId;
