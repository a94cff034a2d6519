/**
 * One post of an update to the parallel system's webhook, read the way Telegram reads the
 * answer: 2xx takes the update (and may name a method to execute, see webhook-reply.ts); anything
 * else, or no answer in time, refuses it, with the text getWebhookInfo shows as
 * `last_error_message` and the answer's `Retry-After`, which Telegram honours (up to an hour).
 */
import type * as HttpClient from "@effect/platform/HttpClient";
import type * as HttpClientError from "@effect/platform/HttpClientError";
import * as HttpClientRequest from "@effect/platform/HttpClientRequest";
import * as Data from "effect/Data";
import type * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import type { ProxyWebhook } from "../../store/proxy-settings.ts";
import { readWebhookReply, type WebhookReply } from "./webhook-reply.ts";
import { parseWebhookUrl } from "./webhook-url.ts";

/** The webhook did not take an update. */
export class PushRefused extends Data.TaggedError("PushRefused")<{
  /** Telegram's wording, for getWebhookInfo. */
  readonly message: string;
  /** What went wrong underneath, for the log. */
  readonly detail?: string;
  /** Seconds the answer asked to wait (`Retry-After`), at most an hour. */
  readonly retryAfter?: number;
}> {}

/** The reason phrases Telegram quotes after the status ("Wrong response from the webhook: 500 Internal Server Error"). */
const reasons: Record<number, string> = {
  400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
  409: "Conflict", 410: "Gone", 413: "Payload Too Large", 415: "Unsupported Media Type", 422: "Unprocessable Entity",
  429: "Too Many Requests", 500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** Telegram's words for a post that got no HTTP answer at all. */
function transportMessage(error: HttpClientError.HttpClientError): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = String(cause?.code ?? cause?.message ?? error.message);
  if (code.includes("ECONNREFUSED") || /connection refused/i.test(code)) return "Connection refused";
  if (code.includes("ENOTFOUND") || code.includes("EAI_AGAIN") || /dns|lookup/i.test(code)) return "Failed to resolve host: Name or service not known";
  return "Webhook connection closed";
}

/** A `Retry-After` of whole seconds, capped at an hour as the Bot API server caps it. */
function retryAfterOf(value: string | undefined): number | undefined {
  const seconds = value !== undefined && /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;
  return seconds === undefined ? undefined : Math.min(seconds, 3600);
}

/** Posts `body` (an update as JSON) to `hook`; succeeds with the method its answer names, if any. */
export const postUpdate = (http: HttpClient.HttpClient, hook: ProxyWebhook, body: string, timeout: Duration.DurationInput): Effect.Effect<WebhookReply | undefined, PushRefused> =>
  Effect.gen(function* () {
    // Checked when it was set; a stored URL from an older release may not have been.
    const target = parseWebhookUrl(hook.url);
    if (!target) return yield* new PushRefused({ message: "Bad webhook: invalid webhook URL specified" });
    const request = HttpClientRequest.post(target.url).pipe(
      HttpClientRequest.bodyText(body, "application/json"),
      HttpClientRequest.setHeaders({
        ...(hook.secret ? { "x-telegram-bot-api-secret-token": hook.secret } : {}),
        ...(target.authorization ? { authorization: target.authorization } : {}),
      }),
    );
    const response = yield* http.execute(request).pipe(
      Effect.mapError((e) => new PushRefused({ message: transportMessage(e), detail: e.message })),
    );
    if (response.status < 200 || response.status > 299) {
      const reason = reasons[response.status];
      const retryAfter = retryAfterOf(response.headers["retry-after"]);
      return yield* new PushRefused({
        message: `Wrong response from the webhook: ${response.status}${reason ? ` ${reason}` : ""}`,
        ...(retryAfter !== undefined ? { retryAfter } : {}),
      });
    }
    const answer = yield* response.arrayBuffer.pipe(Effect.mapError((e) => new PushRefused({ message: "Webhook connection closed", detail: e.message })));
    return yield* Effect.promise(() => readWebhookReply(response.headers["content-type"], new Uint8Array(answer)));
  }).pipe(
    Effect.timeoutFail({ duration: timeout, onTimeout: () => new PushRefused({ message: "Read timeout expired" }) }),
  );
