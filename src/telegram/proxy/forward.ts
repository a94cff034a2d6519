/**
 * Forwarding to Telegram on the proxy's own streaming client (platform/http-client.ts,
 * `makeForwardingClient`): a method call's answer comes back whole (it is JSON the proxy reads
 * for interception) but byte for byte, with Telegram's status and headers; a file download is
 * piped through as it arrives, never held whole.
 */
import type * as HttpClient from "@effect/platform/HttpClient";
import type * as HttpClientError from "@effect/platform/HttpClientError";
import * as HttpClientRequest from "@effect/platform/HttpClientRequest";
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse";
import * as HttpServerResponse from "@effect/platform/HttpServerResponse";
import * as Effect from "effect/Effect";
import type * as Stream from "effect/Stream";

/** Where forwarded requests go. */
export interface Upstream {
  readonly http: HttpClient.HttpClient;
  /** `api_root` without a trailing slash. */
  readonly root: string;
  readonly token: string;
}

/** A body to forward: bytes read already, or a stream passed on as it arrives. */
export type ForwardBody =
  | { readonly bytes: Uint8Array; readonly contentType: string }
  | { readonly stream: Stream.Stream<Uint8Array, unknown>; readonly contentType: string; readonly contentLength: number | undefined };

/** Telegram's answer to a call: status, the headers to pass on, the body as sent. */
export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
}

// Hop-by-hop headers describe one connection, not the answer; the proxy's server sets its own.
const hopByHop = new Set(["connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authenticate", "proxy-authorization"]);

/** The headers of Telegram's answer that describe the answer itself. */
function passedHeaders(response: HttpClientResponse.HttpClientResponse): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(response.headers)) if (!hopByHop.has(key)) out[key] = value;
  return out;
}

/** Calls `method` with the caller's HTTP method, query and body; the answer as Telegram sent it. */
export const callMethod = (
  up: Upstream,
  httpMethod: string,
  method: string,
  search: string,
  body: ForwardBody | undefined,
): Effect.Effect<Answer, HttpClientError.HttpClientError> =>
  Effect.gen(function* () {
    const request = HttpClientRequest.make(httpMethod as "POST")(`${up.root}/bot${up.token}/${method}${search}`).pipe(withBody(body));
    const response = yield* up.http.execute(request);
    const bytes = yield* response.arrayBuffer;
    return { status: response.status, headers: passedHeaders(response), body: new Uint8Array(bytes) };
  });

/** Downloads a file: Telegram's status and headers, and its body streamed through. */
export const downloadFile = (
  up: Upstream,
  httpMethod: string,
  path: string,
  search: string,
): Effect.Effect<HttpServerResponse.HttpServerResponse, HttpClientError.HttpClientError> =>
  Effect.map(
    up.http.execute(HttpClientRequest.make(httpMethod === "HEAD" ? "HEAD" : "GET")(`${up.root}/file/bot${up.token}/${path}${search}`)),
    (response) => {
      const headers = passedHeaders(response);
      return httpMethod === "HEAD" || response.status === 204 || response.status === 304
        ? HttpServerResponse.empty({ status: response.status, headers })
        : HttpServerResponse.stream(response.stream, { status: response.status, headers });
    },
  );

/** The answer as the proxy's server sends it: Telegram's status, headers and bytes. */
export const answerOf = (answer: Answer): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.uint8Array(answer.body, { status: answer.status, headers: answer.headers });

const withBody = (body: ForwardBody | undefined) => (request: HttpClientRequest.HttpClientRequest) => {
  if (!body) return request;
  if ("bytes" in body) return HttpClientRequest.bodyUint8Array(request, body.bytes, body.contentType);
  return HttpClientRequest.bodyStream(request, body.stream, { contentType: body.contentType, contentLength: body.contentLength });
};
