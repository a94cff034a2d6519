/**
 * The one place that picks the runtime: `deno.ts` on Deno, `node.ts` on Node. Both export the
 * same names, so nothing else in Switchboard asks which runtime it runs on.
 */
import * as deno from "./deno.ts";
import * as node from "./node.ts";

const platform: typeof node | typeof deno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined" ? deno : node;

/** "node" or "deno". */
export const runtimeName = platform.runtimeName;
/** An `HttpServer` for a host and port, listening until the scope closes (see node.ts / deno.ts). */
export const makeHttpServer = platform.makeHttpServer;
/** `makeHttpServer` as a layer. */
export const httpServerLayer = platform.httpServerLayer;
/** The `HttpClient` transport for the proxy's webhook pusher and uploads (node:http on Node, fetch on Deno; see the adapters for why). */
export const sendRequest = platform.sendRequest;
/** The proxy's streaming transport with a connection pool of its own (see the adapters). */
export const streamingTransport = platform.streamingTransport;
/** JSON POSTs to one origin, the Bot API client's lean transport (json-transport.ts; on Deno `fetch` when a proxy is set). */
export const postJson = platform.postJson;
export type { ListenOptions } from "./request-runner.ts";
