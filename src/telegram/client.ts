/**
 * The Bot API client: one per bot, on the platform's JSON transport (`postJson`: the lean HTTP/1.1
 * pool of `src/platform/json-transport.ts` on Node and Deno, Deno's `fetch` behind a proxy).
 * Parameters and results are typed by @grammyjs/types; failures are the
 * typed errors of `errors.ts`, never exceptions.
 */
import type { ApiMethods } from "@grammyjs/types";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import { type PostJson, transportTimeoutMs } from "../platform/client-request.ts";
import { postJson } from "../platform/mod.ts";
import { classifyApiError, NetworkError, type TelegramError } from "./errors.ts";
import { upload, type UploadFile } from "./upload.ts";

type Methods = ApiMethods<unknown>;
/** A Bot API method name. */
export type Method = keyof Methods;
/** The parameters of a method. */
export type Params<M extends Method> = Parameters<Methods[M]>[0];
/** The result of a method. */
export type Result<M extends Method> = ReturnType<Methods[M]>;

/** What one bot can ask of Telegram. */
export interface TelegramClient {
  readonly apiRoot: string;
  call<M extends Method>(method: M, params?: Params<M>, options?: { timeout?: Duration.DurationInput }): Effect.Effect<Result<M>, TelegramError>;
  /** A call with a file upload (multipart), e.g. `sendDocument` with generated content. */
  upload(method: "sendDocument", params: Omit<Params<"sendDocument">, "document">, file: UploadFile): Effect.Effect<Result<"sendDocument">, TelegramError>;
}


/**
 * Builds a client for `token` at `apiRoot` (e.g. https://api.telegram.org, or the emulator), on
 * the platform's lean JSON transport (`src/platform/`): measured against @effect/platform's
 * `HttpClient` over the same socket code, it costs about a third of the CPU per call, and a relay
 * makes one or two calls per message.
 */
export function makeTelegramClient(token: string, apiRoot: string, post: PostJson = postJson(apiRoot.replace(/\/+$/, ""), transportTimeoutMs)): TelegramClient {
  const root = apiRoot.replace(/\/+$/, "");
  const call = <M extends Method>(method: M, params?: Params<M>, options?: { timeout?: Duration.DurationInput }) =>
    // A call's own limit is a timer in the transport, on real time even under a test clock (a
    // TestClock moved by hours must not abort a long poll in flight); calls without one rely on
    // the transport's inactivity timeout.
    // One handler for both ways it ends (not a mapError and a flatMap): a step fewer per call.
    Effect.matchEffect(post(`/bot${token}/${method}`, JSON.stringify(params ?? {}), options?.timeout === undefined ? undefined : Duration.toMillis(Duration.decode(options.timeout))), {
      onFailure: (error) => Effect.fail(new NetworkError({ method, reason: describe(error) })),
      onSuccess: ({ status, text }): Effect.Effect<Result<M>, TelegramError> => {
        let answer: { ok?: boolean; result?: unknown; error_code?: number; description?: string; parameters?: { retry_after?: number } };
        try {
          answer = JSON.parse(text);
        } catch {
          return Effect.fail(new NetworkError({ method, reason: `answer is not JSON (status ${status}): ${text.slice(0, 100)}` }));
        }
        return answer.ok === true ? Effect.succeed(answer.result as Result<M>) : Effect.fail(classifyApiError(method, status, answer));
      },
    });
  return {
    apiRoot: root,
    call,
    upload: (method, params, file) => upload(`${root}/bot${token}`, method, params as Record<string, unknown>, file) as Effect.Effect<Result<typeof method>, TelegramError>,
  };
}

function describe(error: unknown): string {
  if (error && typeof error === "object" && "message" in error) {
    const cause = (error as { cause?: { message?: string } }).cause;
    return cause?.message ? `${(error as Error).message}: ${cause.message}` : String((error as Error).message);
  }
  return String(error);
}
