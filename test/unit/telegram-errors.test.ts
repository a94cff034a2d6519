/** Telegram's answers become typed errors by code and description. */
import { describe, expect, it } from "vitest";
import { classifyApiError, isRetryable } from "../../src/telegram/errors.ts";

const tag = (status: number, description: string, parameters?: { retry_after?: number }) =>
  classifyApiError("sendMessage", status, { ok: false, error_code: status, description, parameters } as never);

describe("classifyApiError", () => {
  it("recognises every condition PRODUCT.md names", () => {
    expect(tag(429, "Too Many Requests: retry after 7", { retry_after: 7 })).toMatchObject({ _tag: "RateLimited", retryAfter: 7 });
    expect(tag(403, "Forbidden: bot was blocked by the user")._tag).toBe("BlockedByUser");
    expect(tag(403, "Forbidden: user is deactivated")._tag).toBe("UserDeactivated");
    expect(tag(400, "Bad Request: message thread not found")._tag).toBe("ThreadNotFound");
    expect(tag(400, "Bad Request: TOPIC_DELETED")._tag).toBe("ThreadNotFound");
    expect(tag(400, "Bad Request: TOPIC_CLOSED")._tag).toBe("TopicClosed");
    expect(tag(400, "Bad Request: chat not found")._tag).toBe("ChatNotFound");
    expect(tag(409, "Conflict: terminated by other getUpdates request")._tag).toBe("Conflict");
    expect(tag(401, "Unauthorized")._tag).toBe("Unauthorized");
    expect(tag(502, "Bad Gateway")._tag).toBe("ServerError");
    expect(tag(400, "Bad Request: message to copy not found")).toMatchObject({ _tag: "BadRequest", code: 400 });
  });

  it("retries only what a pause can fix", () => {
    expect(isRetryable(tag(429, "Too Many Requests", { retry_after: 1 }))).toBe(true);
    expect(isRetryable(tag(500, "Internal Server Error"))).toBe(true);
    expect(isRetryable(tag(403, "Forbidden: bot was blocked by the user"))).toBe(false);
    expect(isRetryable(tag(400, "Bad Request: chat not found"))).toBe(false);
  });
});
