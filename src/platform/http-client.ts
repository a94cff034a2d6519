/**
 * Effect's `HttpClient` on the runtime's own transport (`sendRequest` in node.ts or deno.ts,
 * picked by mod.ts; each file says why it uses what it uses), for the proxy's webhook pusher;
 * and the proxy's forwarding client, which streams both ways on a pool of its own. The Bot API
 * client itself uses the leaner `postJson` (see telegram/client.ts).
 */
import * as HttpClient from "@effect/platform/HttpClient";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import type * as Scope from "effect/Scope";
import { transportTimeoutMs } from "./client-request.ts";
import { sendRequest, streamingTransport } from "./mod.ts";

/**
 * The transport as an `HttpClient`, without tracing spans (one per Bot API call is noise).
 * `timeoutMs`: no answer activity (Node) or no complete answer (Deno) for this long fails the call.
 */
export function makeHttpClient(timeoutMs = transportTimeoutMs): HttpClient.HttpClient {
  return HttpClient.make(sendRequest(timeoutMs)).pipe(HttpClient.withTracerDisabledWhen(() => true));
}

/** The transport with the default timeout. */
export const nodeHttpClient: HttpClient.HttpClient = makeHttpClient();

/** A layer providing it. */
export const nodeHttpClientLayer = Layer.succeed(HttpClient.HttpClient, nodeHttpClient);

/**
 * The proxy's forwarding client: request bodies may be `Stream`s (sent as they arrive), answers
 * are returned at their head with the body still streaming. Its connections are its own (kept
 * alive, not capped) and are closed with the scope. `timeoutMs`: no byte either way for this
 * long fails the call.
 */
export const makeForwardingClient = (timeoutMs = transportTimeoutMs): Effect.Effect<HttpClient.HttpClient, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(Effect.sync(() => streamingTransport(timeoutMs)), (transport) => Effect.sync(() => transport.close())),
    (transport) => HttpClient.make(transport.send).pipe(HttpClient.withTracerDisabledWhen(() => true)),
  );
