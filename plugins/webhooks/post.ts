/**
 * One webhook request and what its answer means.
 *
 * - 2xx: delivered (the body is kept: a command webhook may answer with a message).
 * - Network errors, timeouts, 408, 429 and 5xx: the receiver may succeed later — retry.
 * - Any other status (3xx, 4xx): the receiver refuses this request and would refuse it again —
 *   give it up, so one bad event does not hold the URL's queue for a day.
 *
 * Sent with `@effect/platform`'s fetch client (`webhookHttpClient`), not the Bot API's
 * `node:http` transport: on Deno (2.9), a `node:http` request destroyed after it was sent on a
 * kept-alive socket — exactly what a timeout does — is silently sent again on a new socket
 * (denoland/deno#36786), so every timeout would deliver twice. `fetch` aborts cleanly on both
 * runtimes (interrupting the request aborts it), and a webhook is not hot enough for its extra
 * CPU per call to matter. The timeout is Effect's, so it runs on the Clock (a `TestClock` in tests).
 */
import { createHmac } from "node:crypto";
import * as FetchHttpClient from "@effect/platform/FetchHttpClient";
import * as HttpClient from "@effect/platform/HttpClient";
import * as HttpClientRequest from "@effect/platform/HttpClientRequest";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";

/** How a request ended. */
export type PostOutcome =
  | { kind: "delivered"; status: number; body: string }
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

/**
 * The HTTP client webhooks are sent with: the runtime's `fetch`, redirects not followed (a POST
 * turned into a GET would lose the event).
 */
export const webhookHttpClient: Layer.Layer<HttpClient.HttpClient> = FetchHttpClient.layer.pipe(
  Layer.provide(Layer.succeed(FetchHttpClient.RequestInit, { redirect: "manual" })),
);

/** `sha256=<hex>` of the body under `secret`, as sent in `X-Switchboard-Signature`. */
export const signatureOf = (secret: string, body: string): string => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

/** A response body excerpt for logs. */
const excerpt = (text: string) => text.replace(/\s+/g, " ").trim().slice(0, 200);

/** `Retry-After` in seconds (dates are rare from webhook receivers; they fall back to backoff). */
function retryAfterMs(header: string | undefined): number | undefined {
  const seconds = header === undefined ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 3600) * 1000 : undefined;
}

/** fetch's own errors say only "fetch failed"; the cause says why (ECONNREFUSED …). */
function describe(error: unknown): string {
  const fetchError = (error as { cause?: unknown })?.cause ?? error;
  const cause = (fetchError as { cause?: { code?: string; message?: string } })?.cause;
  const message = fetchError instanceof Error ? fetchError.message : String(fetchError);
  return cause ? `${message}: ${cause.code ?? cause.message}` : message;
}

/** What an answer means (see the module comment). */
function outcomeOf(status: number, text: string, retryAfter: string | undefined): PostOutcome {
  if (status >= 200 && status < 300) return { kind: "delivered", status, body: text };
  const reason = `HTTP ${status}${text ? `: ${excerpt(text)}` : ""}`;
  if (status === 408 || status === 429 || status >= 500) {
    const wait = status === 429 ? retryAfterMs(retryAfter) : undefined;
    return { kind: "retry", reason, ...(wait !== undefined ? { retryAfterMs: wait } : {}) };
  }
  return { kind: "rejected", reason };
}

/**
 * Posts once; never fails. Interrupting it aborts the request (the bot is stopping): the
 * caller then records nothing, and the row goes again at the next start.
 */
export function postWebhook(r: WebhookRequest): Effect.Effect<PostOutcome, never, HttpClient.HttpClient> {
  const request = HttpClientRequest.post(r.url).pipe(
    HttpClientRequest.setHeaders({
      "user-agent": "Switchboard-Webhooks/1",
      "x-switchboard-event": r.event,
      "x-switchboard-delivery": r.eventId,
      "x-switchboard-attempt": String(r.attempt),
      ...(r.secret ? { "x-switchboard-signature": signatureOf(r.secret, r.body) } : {}),
    }),
    HttpClientRequest.bodyText(r.body, "application/json"),
  );
  return Effect.gen(function* () {
    // No tracing spans: nothing collects them, and they cost per request.
    const client = HttpClient.withTracerDisabledWhen(yield* HttpClient.HttpClient, () => true);
    const response = yield* client.execute(request);
    const text = yield* response.text;
    return outcomeOf(response.status, text, response.headers["retry-after"]);
  }).pipe(
    Effect.timeoutFail({ duration: Duration.millis(r.timeoutMs), onTimeout: () => `no answer within ${r.timeoutMs / 1000} s` }),
    Effect.catchAll((error): Effect.Effect<PostOutcome> => Effect.succeed({ kind: "retry", reason: typeof error === "string" ? error : describe(error) })),
  );
}
