/**
 * Uploading a generated file to the Bot API (e.g. `sendDocument` with a CSV made on the spot):
 * a `multipart/form-data` POST, the only way Telegram takes new file content. The JSON transport
 * of `client.ts` cannot carry it, so this goes through the platform's `HttpClient` (node:http on
 * Node, fetch on Deno); uploads are rare, so its extra cost per call does not matter here.
 */
import * as HttpClient from "@effect/platform/HttpClient";
import * as HttpClientRequest from "@effect/platform/HttpClientRequest";
import * as Effect from "effect/Effect";
import { makeHttpClient } from "../platform/http-client.ts";
import { concatBytes } from "../util/bytes.ts";
import { classifyApiError, NetworkError, type TelegramError } from "./errors.ts";

/** A file to upload: the form field it goes in, its name, its MIME type and its bytes. */
export interface UploadFile {
  readonly field: string;
  readonly fileName: string;
  readonly contentType: string;
  readonly bytes: Uint8Array;
}

/** One multipart/form-data body: the fields (JSON-encoded when not strings) and the file. */
export function multipartBody(fields: Record<string, unknown>, file: UploadFile, boundary: string): Uint8Array {
  const encoder = new TextEncoder();
  const quoted = (s: string) => s.replace(/[\r\n"\\]/g, (c) => (c === '"' ? "%22" : c === "\\" ? "\\\\" : " "));
  const parts: Uint8Array[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text = typeof value === "string" ? value : JSON.stringify(value);
    parts.push(encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${text}\r\n`));
  }
  parts.push(encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${quoted(file.field)}"; filename="${quoted(file.fileName)}"\r\nContent-Type: ${file.contentType}\r\n\r\n`));
  parts.push(file.bytes);
  parts.push(encoder.encode(`\r\n--${boundary}--\r\n`));
  return concatBytes(parts);
}

let client: HttpClient.HttpClient | undefined;

/**
 * Posts `fields` and `file` to `method` of the bot at `root` (the API root with `/bot<token>`).
 * Answers like `TelegramClient.call`: the result, or a typed error.
 */
export function upload(root: string, method: string, fields: Record<string, unknown>, file: UploadFile): Effect.Effect<unknown, TelegramError> {
  return Effect.gen(function* () {
    // Random: 122 bits make a collision with the file's bytes beyond concern.
    const boundary = `switchboard-${crypto.randomUUID()}`;
    const request = HttpClientRequest.post(`${root}/${method}`).pipe(
      HttpClientRequest.bodyUint8Array(multipartBody(fields, file, boundary), `multipart/form-data; boundary=${boundary}`),
    );
    client ??= makeHttpClient();
    const response = yield* client.execute(request).pipe(Effect.mapError((e) => new NetworkError({ method, reason: e.message })));
    const text = yield* response.text.pipe(Effect.mapError((e) => new NetworkError({ method, reason: e.message })));
    const answer = yield* Effect.try({
      try: () => JSON.parse(text) as { ok?: boolean; result?: unknown; error_code?: number; description?: string; parameters?: { retry_after?: number } },
      catch: () => new NetworkError({ method, reason: `answer is not JSON (status ${response.status}): ${text.slice(0, 100)}` }),
    });
    return answer.ok === true ? answer.result : yield* Effect.fail(classifyApiError(method, response.status, answer));
  }).pipe(Effect.scoped);
}
