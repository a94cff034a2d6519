/**
 * Downloading a file a bot can see (a document an operator posted), as text: `getFile`, then
 * `GET <api root>/file/bot<token>/<path>` with the runtime's `fetch` (Node ≥ 20 and Deno alike).
 * Small files only: the caller names the most bytes it takes.
 */
import * as Effect from "effect/Effect";
import type { TelegramClient } from "./client.ts";
import { BadRequest, NetworkError, type TelegramError } from "./errors.ts";

/** The file `fileId` as UTF-8 text; a BadRequest when it is larger than `maxBytes`. */
export function downloadText(client: TelegramClient, token: string, fileId: string, maxBytes: number): Effect.Effect<string, TelegramError> {
  return Effect.flatMap(client.call("getFile", { file_id: fileId }), (file): Effect.Effect<string, TelegramError> => {
    if (file.file_size !== undefined && file.file_size > maxBytes) {
      return Effect.fail(new BadRequest({ method: "getFile", code: 400, description: `the file has ${file.file_size} bytes; at most ${maxBytes} are read` }));
    }
    if (!file.file_path) return Effect.fail(new BadRequest({ method: "getFile", code: 400, description: "Telegram gave no path to download the file" }));
    const url = `${client.apiRoot}/file/bot${token}/${file.file_path}`;
    return Effect.tryPromise({
      try: async (signal) => {
        const response = await fetch(url, { signal });
        if (!response.ok) throw new Error(`download answered ${response.status}`);
        const bytes = new Uint8Array(await response.arrayBuffer());
        if (bytes.length > maxBytes) throw new Error(`the file has more than ${maxBytes} bytes`);
        return new TextDecoder().decode(bytes);
      },
      catch: (error) => new NetworkError({ method: "download", reason: error instanceof Error ? error.message : String(error) }),
    });
  });
}
