/**
 * Typed Bot API failures. Telegram reports most conditions only through the `description`
 * text, so `classifyApiError` is the one place that reads those strings.
 */
import * as Data from "effect/Data";

/** 429: wait `retryAfter` seconds before calling again for this chat. */
export class RateLimited extends Data.TaggedError("RateLimited")<{ method: string; retryAfter: number; description: string }> {}
/** 403 bot was blocked by the user. */
export class BlockedByUser extends Data.TaggedError("BlockedByUser")<{ method: string; description: string }> {}
/** 403 user is deactivated (deleted account). */
export class UserDeactivated extends Data.TaggedError("UserDeactivated")<{ method: string; description: string }> {}
/**
 * 400 message thread not found, or `TOPIC_DELETED` (Telegram answers some sends into a deleted
 * topic that way): the topic is gone (or thread id 1 was used).
 */
export class ThreadNotFound extends Data.TaggedError("ThreadNotFound")<{ method: string; description: string }> {}
/** 400 TOPIC_CLOSED: reopen before sending. */
export class TopicClosed extends Data.TaggedError("TopicClosed")<{ method: string; description: string }> {}
/** 400 chat not found. */
export class ChatNotFound extends Data.TaggedError("ChatNotFound")<{ method: string; description: string }> {}
/** 409: another poller, or polling while a webhook is set. */
export class Conflict extends Data.TaggedError("Conflict")<{ method: string; description: string }> {}
/** 401: the token is wrong or revoked. */
export class Unauthorized extends Data.TaggedError("Unauthorized")<{ method: string; description: string }> {}
/** Any other 4xx, with Telegram's own text. */
export class BadRequest extends Data.TaggedError("BadRequest")<{ method: string; code: number; description: string }> {}
/** 5xx: Telegram's side failed; retry with backoff. */
export class ServerError extends Data.TaggedError("ServerError")<{ method: string; status: number; description: string }> {}
/** The request did not complete (connection refused/reset, timeout, unreadable answer). In doubt. */
export class NetworkError extends Data.TaggedError("NetworkError")<{ method: string; reason: string }> {}

/** Every failure a Bot API call can end in. */
export type TelegramError =
  | RateLimited | BlockedByUser | UserDeactivated | ThreadNotFound | TopicClosed | ChatNotFound
  | Conflict | Unauthorized | BadRequest | ServerError | NetworkError;

/** Failures worth retrying unchanged after a pause. */
export const isRetryable = (e: TelegramError): boolean =>
  e._tag === "RateLimited" || e._tag === "ServerError" || e._tag === "NetworkError";

/** Turns an `ok: false` answer into its typed error. */
export function classifyApiError(method: string, status: number, body: { error_code?: number; description?: string; parameters?: { retry_after?: number } }): TelegramError {
  const code = body.error_code ?? status;
  const description = body.description ?? `HTTP ${status}`;
  const text = description.toLowerCase();
  if (code === 429) return new RateLimited({ method, retryAfter: body.parameters?.retry_after ?? 1, description });
  if (code === 401) return new Unauthorized({ method, description });
  if (code === 409) return new Conflict({ method, description });
  if (code >= 500) return new ServerError({ method, status: code, description });
  if (code === 403) {
    if (text.includes("user is deactivated")) return new UserDeactivated({ method, description });
    if (text.includes("blocked by the user")) return new BlockedByUser({ method, description });
  }
  if (text.includes("message thread not found") || text.includes("topic_deleted")) return new ThreadNotFound({ method, description });
  if (text.includes("topic_closed")) return new TopicClosed({ method, description });
  if (text.includes("chat not found")) return new ChatNotFound({ method, description });
  return new BadRequest({ method, code, description });
}
