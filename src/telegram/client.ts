/**
 * The Bot API client: one per bot, on @effect/platform's HttpClient (fetch underneath, so the
 * same code runs on Node and Deno). Parameters and results are typed by @grammyjs/types;
 * failures are the typed errors of `errors.ts`, never exceptions.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform";
import type { ApiMethods } from "@grammyjs/types";
import { Clock, Duration, Effect } from "effect";
import { classifyApiError, NetworkError, type TelegramError } from "./errors.ts";

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
}


/** Builds a client for `token` at `apiRoot` (e.g. https://api.telegram.org, or the emulator). */
export const makeTelegramClient = (token: string, apiRoot: string) =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient;
    const root = apiRoot.replace(/\/+$/, "");
    const call = <M extends Method>(method: M, params?: Params<M>, options?: { timeout?: Duration.DurationInput }) =>
      HttpClientRequest.post(`${root}/bot${token}/${method}`).pipe(
        HttpClientRequest.bodyUnsafeJson(params ?? {}),
        http.execute,
        Effect.flatMap((response) =>
          response.json.pipe(
            Effect.flatMap((body) => {
              const answer = body as { ok?: boolean; result?: unknown; error_code?: number; description?: string; parameters?: { retry_after?: number } };
              return answer.ok === true
                ? Effect.succeed(answer.result as Result<M>)
                : Effect.fail(classifyApiError(method, response.status, answer));
            }),
          )
        ),
        // Calls without their own limit rely on the transport's inactivity timeout; a timer
        // per call would cost an extra fiber on the hot path.
        // The deadline of a network call is real time, even under a test clock: a TestClock moved
        // by hours must not abort a long poll that is in flight for a second.
        (call) => (options?.timeout
          ? Effect.timeoutFail(call, { duration: options.timeout, onTimeout: () => new NetworkError({ method, reason: "timed out" }) }).pipe(Effect.withClock(realClock))
          : call),
        Effect.catchAll((error): Effect.Effect<never, TelegramError> =>
          "_tag" in error && typeof error._tag === "string" && isTelegramErrorTag(error._tag)
            ? Effect.fail(error as TelegramError)
            : Effect.fail(new NetworkError({ method, reason: describe(error) }))
        ),
      );
    return { apiRoot: root, call } satisfies TelegramClient;
  });

const realClock = Clock.make();

const telegramTags = new Set([
  "RateLimited", "BlockedByUser", "UserDeactivated", "ThreadNotFound", "TopicClosed", "ChatNotFound",
  "Conflict", "Unauthorized", "BadRequest", "ServerError", "NetworkError",
]);
const isTelegramErrorTag = (tag: string) => telegramTags.has(tag);

function describe(error: unknown): string {
  if (error && typeof error === "object" && "message" in error) {
    const cause = (error as { cause?: { message?: string } }).cause;
    return cause?.message ? `${(error as Error).message}: ${cause.message}` : String((error as Error).message);
  }
  return String(error);
}
