/**
 * Sending a template: copied messages go with one `copyMessages` call (content, formatting and
 * buttons survive); a declared template becomes one `sendMessage` or media call. The same
 * function sends to the user, into the topic and into General, and answers the message ids in
 * order, so the user's and the topic's copies can be paired.
 */
import * as Effect from "effect/Effect";
import type { DeclaredTemplate, TemplateContent } from "../../conversation/template.ts";
import type { TelegramClient } from "../../telegram/client.ts";
import type { TelegramError } from "../../telegram/errors.ts";

/** Sends `template` to `chatId` (in `threadId` when given); the ids of the messages it made. */
export function sendTemplate(c: TelegramClient, template: TemplateContent, chatId: number, threadId?: number): Effect.Effect<number[], TelegramError> {
  const thread = threadId === undefined ? {} : { message_thread_id: threadId };
  if (template.kind === "copy") {
    return Effect.map(
      c.call("copyMessages", { chat_id: chatId, ...thread, from_chat_id: template.fromChatId, message_ids: [...template.messageIds] }),
      (copies) => copies.map((m) => m.message_id),
    );
  }
  return Effect.map(sendDeclared(c, template, chatId, thread), (m) => [m.message_id]);
}

function sendDeclared(c: TelegramClient, t: DeclaredTemplate, chatId: number, thread: { message_thread_id?: number }): Effect.Effect<{ message_id: number }, TelegramError> {
  const markup = t.buttons && t.buttons.length > 0 ? { reply_markup: { inline_keyboard: t.buttons.map((row) => row.map((b) => ({ text: b.text, url: b.url }))) } } : {};
  const mode = t.parseMode ? { parse_mode: t.parseMode } : {};
  const base = { chat_id: chatId, ...thread, ...markup };
  if (!t.media) return c.call("sendMessage", { ...base, text: t.text ?? "", ...mode });
  const caption = t.text === undefined ? {} : { caption: t.text, ...mode };
  switch (t.media.type) {
    case "photo":
      return c.call("sendPhoto", { ...base, photo: t.media.fileId, ...caption });
    case "video":
      return c.call("sendVideo", { ...base, video: t.media.fileId, ...caption });
    case "document":
      return c.call("sendDocument", { ...base, document: t.media.fileId, ...caption });
    case "animation":
      return c.call("sendAnimation", { ...base, animation: t.media.fileId, ...caption });
    case "audio":
      return c.call("sendAudio", { ...base, audio: t.media.fileId, ...caption });
  }
}
