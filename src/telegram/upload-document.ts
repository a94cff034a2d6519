/**
 * Sending a small generated file (a CSV report) as a document, through the bot's client's
 * multipart upload (telegram/upload.ts) — so with several instances it passes the lease's guard
 * like every other call.
 */
import * as Effect from "effect/Effect";
import type { TelegramClient } from "./client.ts";
import type { TelegramError } from "./errors.ts";

/** What to upload. */
export interface DocumentUpload {
  readonly chatId: number;
  readonly filename: string;
  readonly text: string;
  readonly mimeType: string;
  readonly caption?: string;
}

/** Posts `upload` with `sendDocument` through `client`; the sent message's id. */
export function uploadDocument(client: TelegramClient, upload: DocumentUpload): Effect.Effect<number, TelegramError> {
  const file = { field: "document", fileName: upload.filename, contentType: upload.mimeType, bytes: new TextEncoder().encode(upload.text) };
  return Effect.map(client.upload("sendDocument", { chat_id: upload.chatId, ...(upload.caption ? { caption: upload.caption } : {}) }, file), (sent) => sent.message_id);
}
