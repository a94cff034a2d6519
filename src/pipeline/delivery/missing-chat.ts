/**
 * Which chat a "400 Bad Request: chat not found" is about. Telegram's answer does not say, and
 * the two readings call for opposite handling: the operators' group missing is a deployment
 * problem (keep everything, retry slowly, loudly), a user's chat missing means the account is
 * gone (tell the operators, never retry). A call that names one chat settles it; a copy names two
 * (where it goes and where it copies from), and then Telegram is asked about the user's chat.
 */
import * as Effect from "effect/Effect";
import { type ChatRole, chatRolesOf, type Intent } from "../../conversation/intents.ts";
import type { TelegramClient } from "../../telegram/client.ts";

/**
 * The chat that `intent`'s failed call could not find, or undefined when that could not be told
 * (the question itself failed: the caller retries).
 */
export const missingChatOf = (intent: Intent, ctx: { readonly client: TelegramClient; readonly chatId: number }): Effect.Effect<ChatRole | undefined> => {
  const roles = chatRolesOf(intent);
  if (roles.length === 1) return Effect.succeed(roles[0]);
  // Two chats: the user's and the group. If the user's chat is there, the group is the one missing.
  return ctx.client.call("getChat", { chat_id: ctx.chatId }).pipe(
    Effect.as<ChatRole | undefined>("group"),
    Effect.catchAll((error) => Effect.succeed<ChatRole | undefined>(error._tag === "ChatNotFound" ? "user" : undefined)),
  );
};
