/**
 * One webhook request and what its answer means.
 *
 * - 2xx: delivered.
 * - Network errors, timeouts, 408, 429 and 5xx: the receiver may succeed later — retry.
 * - Any other status (3xx, 4xx): the receiver refuses this request and would refuse it again —
 *   give it up, so one bad event does not hold the URL's queue for a day.
 *
 * Sent with the runtime's `fetch`, not the Bot API's `node:http` transport: on Deno (2.9), a
 * `node:http` request destroyed after it was sent on a kept-alive socket — exactly what a
 * timeout does — is silently sent again on a new socket (denoland/deno#36786), so every timeout
 * would deliver twice. `fetch` aborts cleanly on both runtimes, and a webhook is not hot enough
 * for its extra CPU per call to matter.
 */
import { createHmac } from "node:crypto";

/** How a request ended. */
export type PostOutcome =
  | { kind: "delivered"; status: number }
  | { kind: "retry"; reason: string; retryAfterMs?: number }
  | { kind: "rejected"; reason: string };

/** What to send. */
export interface WebhookRequest {
  url: string;
  body: string;
  event: string;
  eventId: string;
  /** 1 for the first try. */
  attempt: number;
  secret: string | undefined;
  timeoutMs: number;
}

/** `sha256=<hex>` of the body under `secret`, as sent in `X-Switchboard-Signature`. */
export const signatureOf = (secret: string, body: string): string => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

/** A response body excerpt for logs. */
const excerpt = (text: string) => text.replace(/\s+/g, " ").trim().slice(0, 200);

/** `Retry-After` in seconds (dates are rare from webhook receivers; they fall back to backoff). */
function retryAfterMs(header: string | undefined): number | undefined {
  const seconds = header === undefined ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 3600) * 1000 : undefined;
}

/** Posts once; never throws. `signal` aborts it (shutdown). */
export async function postWebhook(r: WebhookRequest, signal: AbortSignal): Promise<PostOutcome> {
  if (signal.aborted) return { kind: "retry", reason: "stopped" };
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "Switchboard-Webhooks/1",
    "x-switchboard-event": r.event,
    "x-switchboard-delivery": r.eventId,
    "x-switchboard-attempt": String(r.attempt),
    ...(r.secret ? { "x-switchboard-signature": signatureOf(r.secret, r.body) } : {}),
  };
  // One controller for both ends of a request: its own timeout and the bot's shutdown.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`no answer within ${r.timeoutMs / 1000} s`)), r.timeoutMs);
  const stop = () => abort.abort(new Error("stopped"));
  signal.addEventListener("abort", stop);
  try {
    // Redirects are not followed: a POST turned into a GET would lose the event.
    const response = await fetch(r.url, { method: "POST", headers, body: r.body, redirect: "manual", signal: abort.signal });
    const text = await response.text();
    const status = response.status;
    if (status >= 200 && status < 300) return { kind: "delivered", status };
    const reason = `HTTP ${status}${text ? `: ${excerpt(text)}` : ""}`;
    if (status === 408 || status === 429 || status >= 500) {
      const wait = status === 429 ? retryAfterMs(response.headers.get("retry-after") ?? undefined) : undefined;
      return { kind: "retry", reason, ...(wait !== undefined ? { retryAfterMs: wait } : {}) };
    }
    return { kind: "rejected", reason };
  } catch (error) {
    const reason = abort.signal.aborted ? String((abort.signal.reason as Error)?.message ?? abort.signal.reason) : describe(error);
    return { kind: "retry", reason };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", stop);
  }
}

/** fetch's own errors say only "fetch failed"; the cause says why (ECONNREFUSED …). */
function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const message = error instanceof Error ? error.message : String(error);
  return cause ? `${message}: ${cause.code ?? cause.message}` : message;
}
