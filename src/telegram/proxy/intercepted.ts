/**
 * What a forwarded call sent to a user, read from Telegram's answer: send* methods return the
 * Message; copyMessage/copyMessages/forwardMessages return only ids, so the message is described
 * by its id and chat (the interception plugin copies it from the user's chat).
 */
import type { Message } from "@grammyjs/types";
import { isEditingMethod, isSendingMethod } from "../sending-methods.ts";
import type { RawParams } from "./params.ts";

/** The new version of a private-chat message a successful edit call returned (inline messages return `true`). */
export function interceptedEdits(method: string, result: unknown): Message[] {
  if (!isEditingMethod(method) || !result || typeof result !== "object") return [];
  const message = result as Message;
  return message.chat?.type === "private" && typeof message.message_id === "number" ? [message] : [];
}

/** The messages a successful sending call produced in private chats; `now` (ms) dates id-only ones. */
export function interceptedMessages(method: string, params: RawParams, result: unknown, now: number): Message[] {
  const results = Array.isArray(result) ? result : [result];
  const chatId = Number(params.chat_id);
  const messages: Message[] = [];
  for (const item of results) {
    if (!item || typeof item !== "object" || typeof (item as { message_id?: unknown }).message_id !== "number") continue;
    const full = item as Message;
    if (full.chat) {
      if (full.chat.type === "private") messages.push(full);
    } else if (Number.isSafeInteger(chatId) && chatId > 0) {
      // An id only (copy/forward): the plugin copies the message itself from the user's chat.
      messages.push({ message_id: full.message_id, date: Math.floor(now / 1000), chat: { id: chatId, type: "private", first_name: "" } } as Message);
    }
  }
  return isSendingMethod(method) ? messages : [];
}
