/**
 * A method returned in a webhook's answer ("reply in the webhook response"): when the parallel
 * system answers an update 2xx with a body naming a `method` (JSON, form or multipart, as any Bot
 * API call), Telegram executes that call and tells nobody how it went. The Bot API server skips
 * `setWebhook`, `deleteWebhook`, `close`, `logOut` and every `get…` method there; so does the proxy.
 */
import { type RawParams, readParams } from "./params.ts";

/** A call to make on the parallel system's behalf. */
export interface WebhookReply {
  readonly method: string;
  /** The body to send with it, and its type: the answer's own for multipart (files), JSON otherwise. */
  readonly contentType: string;
  readonly body: Uint8Array;
  /** Its parameters without `method`, for recording what it sends. */
  readonly params: RawParams;
}

const skipped = new Set(["setwebhook", "deletewebhook", "close", "logout"]);

/** The call a webhook's 2xx answer asks for, if any. */
export async function readWebhookReply(contentType: string | undefined, body: Uint8Array): Promise<WebhookReply | undefined> {
  if (body.byteLength === 0) return undefined;
  const { method, ...params } = await readParams(new URL("http://webhook-reply/"), contentType, body);
  // Only a method name can become a path: nothing else reaches the URL.
  if (typeof method !== "string" || !/^[A-Za-z]+$/.test(method)) return undefined;
  const name = method.toLowerCase();
  if (skipped.has(name) || name.startsWith("get")) return undefined;
  const type = (contentType ?? "").toLowerCase();
  if (type.includes("multipart/form-data")) return { method, contentType: contentType!, body, params };
  return { method, contentType: "application/json", body: new TextEncoder().encode(JSON.stringify(params)), params };
}
