/**
 * Effect's `HttpClient` on the runtime's own transport (`sendRequest` in node.ts or deno.ts,
 * picked by mod.ts; each file says why it uses what it uses), for the proxy's forwarding. The Bot
 * API client itself uses the leaner `postJson` (see telegram/client.ts).
 */
import * as HttpClient from "@effect/platform/HttpClient";
import * as Layer from "effect/Layer";
import { transportTimeoutMs } from "./client-request.ts";
import { sendRequest } from "./mod.ts";

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
