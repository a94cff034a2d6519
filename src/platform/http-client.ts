/**
 * Effect's `HttpClient` for the Bot API client. On Node: a keep-alive `node:http`/`node:https`
 * transport — Node 20's `fetch` (undici) costs ~400 µs of CPU per call and allocates heavily,
 * `node:http` with a keep-alive agent is several times cheaper. On Deno: `fetch`, because Deno's
 * `node:http` silently sends a request again when it is destroyed on a reused keep-alive socket
 * (a timeout, an interruption), and even hands back the late answer instead of the error
 * (denoland/deno#36786; `test/unit/http-client.test.ts` checks both runtimes): a timed-out
 * `sendMessage` would reach the user twice. Deno's `fetch` is native and cheap.
 * Only what the Bot API client sends is supported: JSON or empty bodies.
 */
import { HttpClient, HttpClientError, type HttpClientRequest, HttpClientResponse } from "@effect/platform";
import { Effect, Layer } from "effect";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

// Sockets are reused across calls; the pool is bounded so a burst cannot open thousands.
const agents = {
  "http:": new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  "https:": new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
};

/** Longer than any long poll Switchboard makes (getUpdates waits up to 25 s). */
const defaultTimeoutMs = 60_000;

function bodyOf(request: HttpClientRequest.HttpClientRequest): Uint8Array | undefined {
  const body = request.body;
  if (body._tag === "Uint8Array") return body.body;
  if (body._tag === "Empty") return undefined;
  throw new Error(`unsupported request body: ${body._tag}`);
}

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

const transportError = (request: HttpClientRequest.HttpClientRequest, cause: unknown) =>
  new HttpClientError.RequestError({ request, reason: "Transport", cause, description: cause instanceof Error ? cause.message : String(cause) });

/** Deno: `fetch`, aborted on interruption or after the timeout (a total one: long polls are shorter). */
const sendWithFetch = (timeoutMs: number) => (request: HttpClientRequest.HttpClientRequest, url: URL, signal: AbortSignal) =>
  Effect.tryPromise({
    try: async () => {
      const payload = bodyOf(request);
      const headers: Record<string, string> = { ...request.headers };
      if (payload) headers["content-type"] = request.body._tag === "Uint8Array" ? request.body.contentType : "application/json";
      const response = await fetch(url, {
        method: request.method, headers, body: payload as BodyInit | undefined,
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
      // Read here, so the timeout covers the body too.
      const body = await response.arrayBuffer();
      return HttpClientResponse.fromWeb(request, new Response(body, { status: response.status, headers: response.headers }));
    },
    catch: (cause) => transportError(request, cause),
  });

/** Node: `node:http` with a keep-alive agent (see the module comment). */
const sendWithNodeHttp = (inactivityTimeoutMs: number) => (request: HttpClientRequest.HttpClientRequest, url: URL, signal: AbortSignal) =>
  Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
    const fail = (cause: unknown) => resume(Effect.fail(transportError(request, cause)));
    let payload: Uint8Array | undefined;
    try {
      payload = bodyOf(request);
    } catch (error) {
      return fail(error);
    }
    const headers: Record<string, string> = { ...request.headers };
    if (payload) {
      headers["content-type"] = request.body._tag === "Uint8Array" ? request.body.contentType : "application/json";
      headers["content-length"] = String(payload.byteLength);
    }
    const make = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = make(url, { method: request.method, headers, agent: agents[url.protocol as "http:" | "https:"], signal }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", fail);
      res.on("end", () => {
        const responseHeaders = new Headers();
        for (const [key, value] of Object.entries(res.headers)) {
          if (typeof value === "string") responseHeaders.set(key, value);
        }
        const web = new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, headers: responseHeaders });
        resume(Effect.succeed(HttpClientResponse.fromWeb(request, web)));
      });
    });
    // No byte for this long means the connection is dead (long polls carry their own limit).
    req.setTimeout(inactivityTimeoutMs, () => req.destroy(new Error(`no response activity for ${inactivityTimeoutMs / 1000} s`)));
    req.on("error", fail);
    req.end(payload);
    return Effect.sync(() => req.destroy());
  });

/**
 * The transport as an `HttpClient`, without tracing spans (one per Bot API call is noise).
 * `timeoutMs`: no answer activity (Node) or no complete answer (Deno) for this long fails the call.
 */
export function makeHttpClient(timeoutMs = defaultTimeoutMs): HttpClient.HttpClient {
  const send = isDeno ? sendWithFetch(timeoutMs) : sendWithNodeHttp(timeoutMs);
  return HttpClient.make(send).pipe(HttpClient.withTracerDisabledWhen(() => true));
}

/** The transport with the default timeout. */
export const nodeHttpClient: HttpClient.HttpClient = makeHttpClient();

/** A layer providing it. */
export const nodeHttpClientLayer = Layer.succeed(HttpClient.HttpClient, nodeHttpClient);
