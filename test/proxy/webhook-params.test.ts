/**
 * What the proxy reads from the parallel system's setWebhook, getUpdates and webhook answers,
 * against the Bot API server's rules: webhook URLs (tdlib's parse_url), `allowed_updates`,
 * setWebhook's parameters, and the methods a webhook answer may name.
 */
import { describe, expect, it } from "vitest";
import { readAllowedUpdates } from "../../src/telegram/proxy/allowed-updates.ts";
import { readWebhookReply } from "../../src/telegram/proxy/webhook-reply.ts";
import { readWebhookRequest } from "../../src/telegram/proxy/webhook-params.ts";
import { parseWebhookUrl } from "../../src/telegram/proxy/webhook-url.ts";

describe("webhook URLs", () => {
  it("reads what the Bot API server reads, https when no scheme is given, credentials as Basic authorization", () => {
    expect(parseWebhookUrl("https://example.com/hook?x=1")).toEqual({ url: "https://example.com/hook?x=1" });
    expect(parseWebhookUrl("HTTP://Example.COM:8080")).toEqual({ url: "http://example.com:8080/" });
    expect(parseWebhookUrl("example.com/hook")).toEqual({ url: "https://example.com/hook" });
    expect(parseWebhookUrl("http://127.0.0.1:5678/webhook/abc def ")).toEqual({ url: "http://127.0.0.1:5678/webhook/abc%20def" });
    expect(parseWebhookUrl("https://n8n:s3cr%C3%A9t@n8n.local/hook")).toEqual({ url: "https://n8n.local/hook", authorization: `Basic ${btoa("n8n:s3cr%C3%A9t")}` });
    expect(parseWebhookUrl("https://[::1]:8443/hook")).toEqual({ url: "https://[::1]:8443/hook" });
  });

  it("refuses other schemes, no host, bad hosts and bad ports", () => {
    for (const bad of ["not a url", "ftp://example.com/", "://example.com", "https://", "https:///hook", "http://:80/", "https://a b/", "https://example.com:0/", "https://example.com:65536/", "https://example.com:http/", "https://./"]) {
      expect([bad, parseWebhookUrl(bad)]).toEqual([bad, undefined]);
    }
  });
});

describe("setWebhook's parameters", () => {
  it("checks the secret, clamps max_connections, reads drop_pending_updates as Telegram does; deleteWebhook has no URL", () => {
    expect(readWebhookRequest("setwebhook", { url: "https://x.org/h", secret_token: "a-Z_9", max_connections: "500", drop_pending_updates: "True" }))
      .toEqual({ ok: true, webhook: { url: "https://x.org/h", secret: "a-Z_9", maxConnections: 100 }, dropPending: true });
    expect(readWebhookRequest("setwebhook", { url: "https://x.org/h", secret_token: "", max_connections: -3 }))
      .toEqual({ ok: true, webhook: { url: "https://x.org/h", maxConnections: 1 }, dropPending: false });
    expect(readWebhookRequest("setwebhook", { url: "https://x.org/h" })).toMatchObject({ webhook: { maxConnections: 40 } });
    expect(readWebhookRequest("setwebhook", { url: "", drop_pending_updates: true })).toEqual({ ok: true, webhook: undefined, dropPending: true });
    expect(readWebhookRequest("deletewebhook", { url: "https://x.org/h" })).toEqual({ ok: true, webhook: undefined, dropPending: false });
    expect(readWebhookRequest("setwebhook", { url: "x y" })).toEqual({ ok: false, description: "Bad Request: invalid webhook URL specified" });
    expect(readWebhookRequest("setwebhook", { url: "https://x.org/h", secret_token: "s".repeat(257) })).toEqual({ ok: false, description: "Bad Request: secret token is too long" });
    expect(readWebhookRequest("setwebhook", { url: "https://x.org/h", secret_token: "a.b" })).toEqual({ ok: false, description: "Bad Request: secret token contains unallowed characters" });
  });
});

describe("allowed_updates", () => {
  it("a list replaces the setting; empty or unknown names mean the default; missing or malformed keeps the previous", () => {
    expect(readAllowedUpdates({ allowed_updates: ["callback_query", "MESSAGE", "nonsense"] })).toEqual({ keep: false, kinds: ["message", "callback_query"] });
    expect(readAllowedUpdates({ allowed_updates: '["message_reaction"]' })).toEqual({ keep: false, kinds: ["message_reaction"] });
    expect(readAllowedUpdates({ allowed_updates: [] })).toEqual({ keep: false, kinds: undefined });
    expect(readAllowedUpdates({ allowed_updates: ["nonsense"] })).toEqual({ keep: false, kinds: undefined });
    expect(readAllowedUpdates({})).toEqual({ keep: true });
    expect(readAllowedUpdates({ allowed_updates: "message" })).toEqual({ keep: true });
    expect(readAllowedUpdates({ allowed_updates: ["message", 1] })).toEqual({ keep: true });
  });
});

describe("methods in a webhook's answer", () => {
  const json = (body: unknown) => new TextEncoder().encode(JSON.stringify(body));
  it("takes a method from JSON or a form, without `method` in what it sends; skips get…, setWebhook, deleteWebhook, close, logOut", async () => {
    const reply = await readWebhookReply("application/json; charset=utf-8", json({ method: "sendMessage", chat_id: 1, text: "hi", reply_markup: { inline_keyboard: [] } }));
    expect(reply && [reply.method, reply.contentType, JSON.parse(new TextDecoder().decode(reply.body))]).toEqual(["sendMessage", "application/json", { chat_id: 1, text: "hi", reply_markup: { inline_keyboard: [] } }]);
    const form = await readWebhookReply("application/x-www-form-urlencoded", new TextEncoder().encode("method=answerCallbackQuery&callback_query_id=42"));
    expect(form && [form.method, form.params]).toEqual(["answerCallbackQuery", { callback_query_id: "42" }]);
    for (const method of ["getMe", "getUpdates", "setWebhook", "deleteWebhook", "close", "logOut", "../bot", ""]) {
      expect([method, await readWebhookReply("application/json", json({ method }))]).toEqual([method, undefined]);
    }
    expect(await readWebhookReply("text/plain", new TextEncoder().encode("ok"))).toBeUndefined();
    expect(await readWebhookReply("application/json", new Uint8Array())).toBeUndefined();
  });
});
