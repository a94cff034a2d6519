/**
 * What both runtimes' Bot API transports share (node.ts: node:http, deno.ts: fetch): the body
 * of a request as bytes, and the transport failure in @effect/platform's terms. Only what the
 * Bot API client sends is supported: JSON, text or byte bodies, or none. The proxy's streaming
 * transport (`streamingTransport` in both adapters) also sends `Stream` bodies.
 */
import * as HttpClientError from "@effect/platform/HttpClientError";
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest";
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse";
import * as Effect from "effect/Effect";
import * as Stream from "effect/Stream";

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
 * transport's error, or `deadlineError` when the whole call took longer than `deadlineMs`.
 * Interrupting the effect aborts the request. Leaner than a full `HttpClient`
 * (no request and response objects, no web streams): the Bot API client's hot path, measured at
 * about a third of the CPU per call.
 */
export type PostJson = (path: string, body: string, deadlineMs?: number) => Effect.Effect<JsonAnswer, Error>;

/**
 * The failure of a call that outlived its deadline (`PostJson`'s `deadlineMs`). A timer in the
 * transport, on real time: a long poll's limit is about the network, and an Effect timeout (a
 * racing fiber on a Clock) cost ~1 ms of CPU per poll, more than the poll itself.
 */
export const deadlineError = (deadlineMs: number): Error => new Error(`timed out after ${deadlineMs / 1000} s`);

/** A transport that streams: request bodies may be `Stream`s, answers come back at their head. */
export interface StreamingTransport {
  /** Sends one request; the answer's body is read as it arrives (not buffered). */
  readonly send: SendRequest;
  /** Closes the transport's idle kept-alive connections. */
  close(): void;
}

/** A request's body for a streaming transport: bytes, a web stream (for a `Stream` body), or none. */
export const streamingBodyOf = (
  request: HttpClientRequest.HttpClientRequest,
): Effect.Effect<Uint8Array | ReadableStream<Uint8Array> | undefined, HttpClientError.RequestError> => {
  const body = request.body;
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(undefined);
    case "Uint8Array":
      return Effect.succeed(body.body);
    case "Stream":
      return Stream.toReadableStreamEffect(body.stream);
    default:
      return Effect.fail(transportError(request, new Error(`unsupported request body: ${body._tag}`)));
  }
};

/** The headers of a streamed request: its own, the body's content type and, when known, its length. */
export function streamingHeadersOf(request: HttpClientRequest.HttpClientRequest): Record<string, string> {
  const headers: Record<string, string> = { ...request.headers };
  const body = request.body;
  if (body._tag === "Uint8Array" || body._tag === "Stream") {
    headers["content-type"] = body.contentType;
    if (body.contentLength !== undefined) headers["content-length"] = String(body.contentLength);
  }
  return headers;
}

/** Statuses whose answers never carry a body (a web `Response` refuses one for them). */
export const isBodylessStatus = (status: number): boolean => status === 204 || status === 205 || status === 304;
