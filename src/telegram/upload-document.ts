/**
 * Sending a small generated file (a CSV report) as a document: the JSON client cannot upload,
 * so this posts `multipart/form-data` with the runtime's `fetch` and `FormData` (Node ≥ 20 and
 * Deno alike). Failures are the client's typed errors.
 */
import * as Effect from "effect/Effect";
import { classifyApiError, NetworkError, type TelegramError } from "./errors.ts";

/** What to upload. */
export interface DocumentUpload {
  readonly chatId: number;
  readonly filename: string;
  readonly text: string;
  readonly mimeType: string;
  readonly caption?: string;
}

/** Posts `upload` with `sendDocument`; the sent message's id. */
export function uploadDocument(apiRoot: string, token: string, upload: DocumentUpload): Effect.Effect<number, TelegramError> {
  return Effect.tryPromise({
    try: async (signal) => {
      const form = new FormData();
      form.set("chat_id", String(upload.chatId));
      if (upload.caption) form.set("caption", upload.caption);
      form.set("document", new Blob([upload.text], { type: upload.mimeType }), upload.filename);
      const response = await fetch(`${apiRoot}/bot${token}/sendDocument`, { method: "POST", body: form, signal });
      return { status: response.status, body: await response.json() as { ok?: boolean; result?: { message_id: number }; error_code?: number; description?: string; parameters?: { retry_after?: number } } };
    },
    catch: (error) => new NetworkError({ method: "sendDocument", reason: error instanceof Error ? error.message : String(error) }),
  }).pipe(
    Effect.flatMap(({ status, body }) =>
      body.ok === true && body.result ? Effect.succeed(body.result.message_id) : Effect.fail(classifyApiError("sendDocument", status, body))
    ),
  );
}
