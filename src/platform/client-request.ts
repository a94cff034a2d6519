/**
 * What both runtimes' Bot API transports share (node.ts: node:http, deno.ts: fetch): the body
 * of a request as bytes, and the transport failure in @effect/platform's terms. Only what the
 * Bot API client sends is supported: JSON, text or byte bodies, or none.
 */
import * as HttpClientError from "@effect/platform/HttpClientError";
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest";
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse";
import type * as Effect from "effect/Effect";

/** Sends one request; `signal` aborts it when the calling fiber is interrupted. */
export type SendRequest = (
  request: HttpClientRequest.HttpClientRequest,
  url: URL,
  signal: AbortSignal,
) => Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>;

/** The body as bytes (undefined for none); other body kinds are not sent by Switchboard. */
export function bodyOf(request: HttpClientRequest.HttpClientRequest): Uint8Array | undefined {
  const body = request.body;
  if (body._tag === "Uint8Array") return body.body;
  if (body._tag === "Empty") return undefined;
  throw new Error(`unsupported request body: ${body._tag}`);
}

/** The headers to send, with the body's content type. */
export function headersOf(request: HttpClientRequest.HttpClientRequest, payload: Uint8Array | undefined): Record<string, string> {
  const headers: Record<string, string> = { ...request.headers };
  if (payload) headers["content-type"] = request.body._tag === "Uint8Array" ? request.body.contentType : "application/json";
  return headers;
}

/** A request that did not complete. */
export const transportError = (request: HttpClientRequest.HttpClientRequest, cause: unknown) =>
  new HttpClientError.RequestError({ request, reason: "Transport", cause, description: cause instanceof Error ? cause.message : String(cause) });

/** The transports' default: longer than any long poll Switchboard makes (getUpdates waits up to 25 s). */
export const transportTimeoutMs = 60_000;

/** A JSON POST's answer: the status and the body as text. */
export interface JsonAnswer {
  readonly status: number;
  readonly text: string;
}

/**
 * Posts JSON to `path` under a fixed origin and reads the whole answer as text; fails with the
 * transport's error. Interrupting the effect aborts the request. Leaner than a full `HttpClient`
 * (no request and response objects, no web streams): the Bot API client's hot path, measured at
 * about a third of the CPU per call.
 */
export type PostJson = (path: string, body: string) => Effect.Effect<JsonAnswer, Error>;
