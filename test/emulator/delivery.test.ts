/** Update delivery: webhooks (secret, retry, order), allowed_updates, conflicts. */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/sandbox/emulator/mod.ts";
import { api, ok, setup, sleep } from "./helpers.ts";

let emu: Emulator | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await emu?.close();
  emu = undefined;
  for (const c of cleanups.splice(0)) await c();
});

interface Hit {
  secret: string | undefined;
  body: { update_id: number; message?: { text?: string } };
}

/** A webhook receiver answering 500 for the first `failures` requests. */
async function receiver(failures: number, answer = "") {
  const hits: Hit[] = [];
  let attempts = 0;
  const server = createServer(async (req: IncomingMessage, res) => {
    let text = "";
    for await (const c of req) text += c;
    attempts++;
    if (attempts <= failures) {
      res.writeHead(500).end("nope");
      return;
    }
    hits.push({ secret: req.headers["x-telegram-bot-api-secret-token"] as string | undefined, body: JSON.parse(text) });
    res.writeHead(200, { "content-type": "application/json" }).end(answer);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, hits, attempts: () => attempts };
}

async function until<T>(f: () => T | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error("timeout");
    await sleep(20);
  }
}

describe("webhooks", () => {
  it("pushes updates in order with the secret header and retries until 2xx", async () => {
    const s = await setup({ webhookRetryMs: 50 });
    emu = s.emu;
    const r = await receiver(2);
    expect(await ok(emu, s.token, "setWebhook", { url: r.url, secret_token: "s3cret" })).toBe(true);
    emu.userSends(s.token, s.user.id, { text: "one" });
    emu.userSends(s.token, s.user.id, { text: "two" });
    await until(() => r.hits.length === 2);
    expect(r.attempts()).toBe(4);
    expect(r.hits.map((h) => h.body.message?.text)).toEqual(["one", "two"]);
    expect(r.hits.every((h) => h.secret === "s3cret")).toBe(true);
    // The receiver records a hit before it answers: the queue empties once the emulator has read the 200.
    let info = await ok(emu, s.token, "getWebhookInfo");
    for (const end = Date.now() + 5000; info.pending_update_count !== 0 && Date.now() < end; await sleep(20)) info = await ok(emu, s.token, "getWebhookInfo");
    expect(info).toMatchObject({ url: r.url, pending_update_count: 0, has_custom_certificate: false });
    expect(info.last_error_message).toContain("500");
  });

  it("refuses getUpdates while a webhook is set; deleteWebhook restores polling", async () => {
    const s = await setup();
    emu = s.emu;
    const r = await receiver(1_000_000);
    await ok(emu, s.token, "setWebhook", { url: r.url });
    expect(await api(emu, s.token, "getUpdates")).toEqual({
      ok: false,
      error_code: 409,
      description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    });
    emu.userSends(s.token, s.user.id, { text: "kept" });
    await sleep(50);
    expect(await ok(emu, s.token, "deleteWebhook")).toBe(true);
    const ups = await ok(emu, s.token, "getUpdates", { timeout: 0 });
    expect(ups.map((u: { message: { text: string } }) => u.message.text)).toEqual(["kept"]);
    expect(await ok(emu, s.token, "getWebhookInfo")).toEqual({ url: "", has_custom_certificate: false, pending_update_count: 1 });
    await ok(emu, s.token, "deleteWebhook", { drop_pending_updates: true });
    expect(await ok(emu, s.token, "getUpdates", { timeout: 0 })).toEqual([]);
  });

  it("executes a method returned in the webhook response", async () => {
    const s = await setup();
    emu = s.emu;
    const r = await receiver(0, JSON.stringify({ method: "sendMessage", chat_id: s.user.id, text: "auto-reply" }));
    await ok(emu, s.token, "setWebhook", { url: r.url });
    emu.userSends(s.token, s.user.id, { text: "hi" });
    await until(() => emu!.messages(s.user.id).some((m) => m.text === "auto-reply"));
  });
});

describe("allowed_updates and update kinds", () => {
  it("filters message_reaction unless asked for; produces edits, reactions, blocks, callbacks", async () => {
    const s = await setup();
    emu = s.emu;
    const m = emu.userSends(s.token, s.user.id, { text: "hi" });
    emu.userReacts(s.token, s.user.id, m.message_id, "👍"); // default allowed_updates: dropped
    const first = await ok(emu, s.token, "getUpdates", { timeout: 0, allowed_updates: ["message", "edited_message", "message_reaction", "my_chat_member", "callback_query"] });
    expect(first.map((u: object) => Object.keys(u)[1])).toEqual(["message"]);
    let offset = first[0].update_id + 1;
    emu.userReacts(s.token, s.user.id, m.message_id, "🔥");
    emu.userEdits(s.token, s.user.id, m.message_id, { text: "hi!" });
    emu.userBlocksBot(s.token, s.user.id);
    emu.userUnblocksBot(s.token, s.user.id);
    const botMsg = await ok(emu, s.token, "sendMessage", { chat_id: s.user.id, text: "pick", reply_markup: { inline_keyboard: [[{ text: "A", callback_data: "a" }]] } });
    const qid = emu.userPressesButton(s.token, s.user.id, botMsg.message_id, "a");
    const ups = await ok(emu, s.token, "getUpdates", { offset, timeout: 0 });
    expect(ups.map((u: object) => Object.keys(u)[1])).toEqual(["message_reaction", "edited_message", "my_chat_member", "my_chat_member", "callback_query"]);
    expect(ups[0].message_reaction).toMatchObject({ message_id: m.message_id, user: { id: s.user.id }, old_reaction: [{ type: "emoji", emoji: "👍" }], new_reaction: [{ type: "emoji", emoji: "🔥" }] });
    expect(ups[1].edited_message).toMatchObject({ message_id: m.message_id, text: "hi!", edit_date: expect.any(Number) });
    expect(ups[2].my_chat_member).toMatchObject({ chat: { id: s.user.id }, from: { id: s.user.id }, old_chat_member: { status: "member", user: { id: s.bot.id } }, new_chat_member: { status: "kicked" } });
    expect(ups[3].my_chat_member).toMatchObject({ old_chat_member: { status: "kicked" }, new_chat_member: { status: "member" } });
    expect(ups[4].callback_query).toMatchObject({ id: qid, data: "a", from: { id: s.user.id }, message: { message_id: botMsg.message_id } });
    expect(await ok(emu, s.token, "answerCallbackQuery", { callback_query_id: qid })).toBe(true);
    expect(await api(emu, s.token, "answerCallbackQuery", { callback_query_id: qid })).toMatchObject({ error_code: 400 });
    offset = ups.at(-1).update_id + 1;
    // operator edits and reactions in the group reach the bot too
    const op = emu.operatorPosts(s.group, s.operator.id, { text: "x" });
    emu.operatorEdits(s.group, s.operator.id, op.message_id, { text: "y" });
    emu.operatorReacts(s.group, s.operator.id, op.message_id, "👍");
    // messages of bot accounts are invisible to bots
    const otherBot = emu.createUser({ firstName: "Robo", isBot: true });
    emu.operatorPosts(s.group, otherBot.id, { text: "beep" });
    const gups = await ok(emu, s.token, "getUpdates", { offset, timeout: 0 });
    expect(gups.map((u: object) => Object.keys(u)[1])).toEqual(["message", "edited_message", "message_reaction"]);
    expect(emu.messages(s.group)[0]).toMatchObject({ text: "y", editCount: 1 });
    expect(emu.messages(s.group)[1]).toMatchObject({ text: "beep", from: { is_bot: true } });
  });

  it("a user of two bots has one chat with each", async () => {
    const s = await setup();
    emu = s.emu;
    const other = emu.createBot({ username: "other_bot" });
    emu.userSends(s.token, s.user.id, { text: "to support" });
    emu.userSends(other.token, s.user.id, { text: "to other" });
    expect((await ok(emu, other.token, "getUpdates")).map((u: { message: { text: string } }) => u.message.text)).toEqual(["to other"]);
    expect(emu.messages(s.user.id, { token: other.token }).map((m) => m.text)).toEqual(["to other"]);
    expect(emu.messages(s.user.id).map((m) => m.text)).toEqual(["to support", "to other"]);
    // the other bot is not in the group
    expect(await api(emu, other.token, "sendMessage", { chat_id: s.group, text: "x" })).toMatchObject({ error_code: 403 });
  });
});

describe("raw updates (a broken server)", () => {
  it("queues an injected update exactly as given; offsets confirm it by its place; webhooks push it as is", async () => {
    const s = await setup({ webhookRetryMs: 50 });
    emu = s.emu;
    const before = emu.userSends(s.token, s.user.id, { text: "before" });
    const [first] = await ok(emu, s.token, "getUpdates", { timeout: 0 });
    const place = first.update_id as number;
    expect(emu.injectUpdate(s.token, { message: { chat: { id: true } } })).toEqual({ update_id: place + 1, message: { chat: { id: true } } });
    emu.injectUpdate(s.token, { update_id: null });
    // Through the control API too, with no id at all.
    const control = await fetch(`${emu.url}/control/injectUpdate`, { method: "POST", body: JSON.stringify({ token: s.token, update: {}, exact: true }) });
    expect(await control.json()).toEqual({ ok: true, result: {} });
    emu.userSends(s.token, s.user.id, { text: "after" });
    const all = await ok(emu, s.token, "getUpdates", { offset: place + 1, timeout: 0 });
    expect(all.slice(0, 3)).toEqual([{ update_id: place + 1, message: { chat: { id: true } } }, { update_id: null }, {}]);
    expect(all[3].message.text).toBe("after");
    // An offset past a place confirms what sits there, whatever its own update_id says.
    expect((await ok(emu, s.token, "getUpdates", { offset: place + 3, timeout: 0 })).map((u: { message?: { text?: string } }) => u.message?.text ?? "-")).toEqual(["-", "after"]);
    expect(before.text).toBe("before");

    const r = await receiver(0);
    await ok(emu, s.token, "setWebhook", { url: r.url, drop_pending_updates: true });
    emu.injectUpdate(s.token, { update_id: "x", my_chat_member: { chat: { id: true } } });
    await until(() => r.hits.length === 1);
    expect(r.hits[0].body).toEqual({ update_id: "x", my_chat_member: { chat: { id: true } } });
  });
});
