/**
 * The proxy as the other system sees it, driven by two real client libraries (grammY and
 * Telegraf, each in polling mode) and by raw HTTP where a library hides the wire: file
 * downloads and uploads streamed both ways, every call and error passed through byte for byte
 * (429s and their Retry-After included), logOut/close answered without touching Switchboard's
 * session, Telegram's long-polling rules (409 for competing pollers, offsets), concurrency, and
 * Telegram's 404 for malformed paths. Concurrency and streaming are proven with the emulator's
 * holds (a call or download waits until the test releases it), not with timing.
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { request as httpRequest } from "node:http";
import { Bot, GrammyError, InputFile } from "grammy";
import { Input, Telegraf, TelegramError } from "telegraf";
import { message } from "telegraf/filters";
import { afterEach, describe, expect, it } from "vitest";
import { closeAll, createWorld, freePort, startSwitchboard, topicMessages, topicNamed, waitFor, type World } from "../support/world.ts";

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const grammyBots: Bot[] = [];
const telegrafBots: Telegraf[] = [];
afterEach(async () => {
  for (const b of grammyBots.splice(0)) await b.stop().catch(() => undefined);
  for (const b of telegrafBots.splice(0)) {
    try {
      b.stop();
    } catch {
      // not launched
    }
  }
  await closeAll();
});

const proxyConfig = (port: number, params = "{ welcome: off }") => `    parallel: { mode: proxy, listen: "127.0.0.1:${port}" }\n    params: ${params}\n`;

/** Switchboard with a proxy; the other system's base URL. */
async function setup(params?: string) {
  const w = await createWorld();
  const port = await freePort();
  await startSwitchboard(w, { extra: proxyConfig(port, params) });
  return { w, root: `http://127.0.0.1:${port}` };
}

const grammy = (w: World, root: string) => {
  const bot = new Bot(w.bot.token, { client: { apiRoot: root } });
  bot.catch(() => undefined);
  grammyBots.push(bot);
  return bot;
};

const telegraf = (w: World, root: string) => {
  const bot = new Telegraf(w.bot.token, { telegram: { apiRoot: root } });
  telegrafBots.push(bot);
  return bot;
};

/** Bytes that are not all alike, so a shifted or truncated copy shows. */
const pattern = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 7 + (i >> 10)) % 251);
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A download: status, the headers that matter, the bytes. */
async function download(url: string) {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get("content-type"), length: res.headers.get("content-length"), bytes: new Uint8Array(await res.arrayBuffer()) };
}

/** A raw call: status, headers and the body's exact bytes. */
async function raw(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  return { status: res.status, type: res.headers.get("content-type"), retryAfter: res.headers.get("retry-after"), body: new Uint8Array(await res.arrayBuffer()) };
}

/** A user with an open topic (the proxy's interception shows the other system's messages there). */
async function userWithTopic(w: World, firstName: string) {
  const user = w.emulator.createUser({ firstName });
  w.emulator.userSends(w.bot.token, user.id, { text: `hello from ${firstName}` });
  const topic = await waitFor(() => topicNamed(w, firstName), `topic of ${firstName}`);
  return { user, topic };
}

/** The other system's queue on the proxy, as getWebhookInfo reports it. */
const pending = async (bot: Bot) => (await bot.api.getWebhookInfo()).pending_update_count;

describe("parallel connection: the proxy passes everything through", () => {
  it("grammY (polling) downloads a user's file through the proxy and uploads 12 MB that come back byte for byte", async () => {
    const { w, root } = await setup();
    const bot = grammy(w, root);
    const downloads: Awaited<ReturnType<typeof download>>[] = [];
    bot.on("message:document", async (ctx) => {
      const file = await ctx.getFile();
      downloads.push(await download(`${root}/file/bot${w.bot.token}/${file.file_path}`));
    });
    void bot.start({ timeout: 1 });
    const { user: ann, topic } = await userWithTopic(w, "Ann");

    // The user's document, as the other system's workflow fetches it.
    const sent = w.emulator.userSends(w.bot.token, ann.id, { document: true, caption: "my invoice" });
    const got = await waitFor(() => downloads[0], "grammY downloaded the user's file");
    const path = (await bot.api.getFile(sent.document!.file_id)).file_path;
    const direct = await download(`${w.emulator.url}/file/bot${w.bot.token}/${path}`);
    expect(got.status).toBe(200);
    expect({ type: got.type, length: got.length }).toEqual({ type: direct.type, length: direct.length });
    expect(sha(got.bytes)).toBe(sha(direct.bytes));

    // A 12 MB upload (multipart), intercepted into the topic, then downloaded again through the proxy.
    const big = pattern(12 * 1024 * 1024);
    const doc = await bot.api.sendDocument(ann.id, new InputFile(big, "report.bin"), { caption: "Your report" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "🤖 The bot sent: Your report"), "upload intercepted");
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.document?.file_id === doc.document.file_id), "uploaded document copied to the topic");
    const back = await download(`${root}/file/bot${w.bot.token}/${(await bot.api.getFile(doc.document.file_id)).file_path}`);
    expect(back.length).toBe(String(big.length));
    expect(sha(back.bytes)).toBe(sha(big));

    // Unknown paths get Telegram's 404; another token gets the proxy's 401, as for calls.
    const missing = await raw(`${root}/file/bot${w.bot.token}/documents/nope.bin`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(new TextDecoder().decode(missing.body))).toEqual({ ok: false, error_code: 404, description: "Not Found" });
    expect((await raw(`${root}/file/bot123:WRONG/${path}`)).status).toBe(401);
  });

  it("Telegraf (polling) fetches a user's photo by getFileLink and uploads with Input.fromBuffer and by URL, intercepted", async () => {
    const { w, root } = await setup();
    const bot = telegraf(w, root);
    const fetched: Awaited<ReturnType<typeof download>>[] = [];
    bot.on(message("photo"), async (ctx) => {
      const photos = ctx.message.photo;
      const link = await ctx.telegram.getFileLink(photos[photos.length - 1].file_id);
      fetched.push(await download(link.href));
    });
    void bot.launch().catch(() => undefined);
    const { user: ann, topic } = await userWithTopic(w, "Ann");

    const photo = w.emulator.userSends(w.bot.token, ann.id, { photo: true });
    const got = await waitFor(() => fetched[0], "Telegraf fetched the user's photo");
    const path = (await bot.telegram.getFile(photo.photo!.at(-1)!.file_id)).file_path;
    const direct = await download(`${w.emulator.url}/file/bot${w.bot.token}/${path}`);
    expect(got.status).toBe(200);
    expect(sha(got.bytes)).toBe(sha(direct.bytes));

    // Telegraf's multipart bodies never end on Deno's node:http (its uploads hang against any
    // server, a bare Deno.serve included), so this upload runs on Node; grammY uploads on both.
    if (!isDeno) {
      const picture = pattern(300_000);
      const sent = await bot.telegram.sendPhoto(ann.id, Input.fromBuffer(Buffer.from(picture), "pic.jpg"), { caption: "A picture" });
      await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "🤖 The bot sent: A picture"), "upload intercepted");
      const link = await bot.telegram.getFileLink(sent.photo.at(-1)!.file_id);
      expect(link.href.startsWith(root)).toBe(true);
      expect(sha((await download(link.href)).bytes)).toBe(sha(picture));
    }

    await bot.telegram.sendDocument(ann.id, "https://example.com/terms.pdf", { caption: "Terms" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "🤖 The bot sent: Terms"), "InputFile by URL intercepted");
  });

  it("streams: a download's first half reaches the client while the rest is held; an upload reaches Telegram while the client still sends", async () => {
    const { w, root } = await setup();
    const bot = grammy(w, root);
    const { user: ann, topic } = await userWithTopic(w, "Ann");
    const size = 8 * 1024 * 1024;
    const doc = await bot.api.sendDocument(ann.id, new InputFile(pattern(size), "big.bin"));
    const path = (await bot.api.getFile(doc.document.file_id)).file_path;

    // The emulator sends half, then waits: a proxy that buffered whole files would show nothing yet.
    const held = w.emulator.hold({ download: true });
    const res = await fetch(`${root}/file/bot${w.bot.token}/${path}`);
    expect(res.headers.get("content-length")).toBe(String(size));
    const reader = res.body!.getReader();
    let received = 0;
    await held.reached;
    while (received < size / 4) received += (await reader.read()).value?.length ?? 0;
    held.release();
    for (let next = await reader.read(); !next.done; next = await reader.read()) received += next.value.length;
    expect(received).toBe(size);

    // An upload whose second half the client holds back: Telegram must already have the first.
    const boundary = "----switchboard-test";
    const enc = new TextEncoder();
    const head = enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="chat_id"\r\n\r\n${ann.id}\r\n--${boundary}\r\nContent-Disposition: form-data; name="caption"\r\n\r\nStreamed\r\n--${boundary}\r\nContent-Disposition: form-data; name="document"; filename="s.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
    const body = pattern(size);
    const tail = enc.encode(`\r\n--${boundary}--\r\n`);
    let sendRest!: () => void;
    const rest = new Promise<void>((r) => (sendRest = r));
    const before = w.emulator.stats().bodyBytes;
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(head);
        controller.enqueue(body.subarray(0, size / 2));
        await rest;
        controller.enqueue(body.subarray(size / 2));
        controller.enqueue(tail);
        controller.close();
      },
    });
    const upload = fetch(`${root}/bot${w.bot.token}/sendDocument`, {
      method: "POST", body: stream, headers: { "content-type": `multipart/form-data; boundary=${boundary}` }, duplex: "half",
    } as RequestInit);
    await waitFor(() => w.emulator.stats().bodyBytes - before >= size / 2, "the first half reached Telegram");
    sendRest();
    const answer = (await (await upload).json()) as { ok: boolean; result: { document: { file_size: number } } };
    expect(answer.ok).toBe(true);
    expect(answer.result.document.file_size).toBe(size);
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "🤖 The bot sent: Streamed"), "streamed upload intercepted");

    // A multipart call without files (as aiogram sends them): its fields still drive interception.
    const own = w.emulator.userSends(w.bot.token, ann.id, { text: "copy me back" });
    const form = new FormData();
    form.set("chat_id", String(ann.id));
    form.set("from_chat_id", String(ann.id));
    form.set("message_id", String(own.message_id));
    const copied = (await (await fetch(`${root}/bot${w.bot.token}/copyMessage`, { method: "POST", body: form })).json()) as { ok: boolean };
    expect(copied.ok).toBe(true);
    await waitFor(() => topicMessages(w, topic.threadId).filter((m) => m.text === "copy me back").length >= 2, "multipart copyMessage intercepted");
  });

  it("passes unknown methods, error bodies and 429s through byte for byte, Retry-After included, without retrying", async () => {
    const { w, root } = await setup();
    const g = grammy(w, root);
    const t = telegraf(w, root);
    const ann = w.emulator.createUser({ firstName: "Ann" });
    const direct = (method: string, init?: RequestInit) => raw(`${w.emulator.url}/bot${w.bot.token}/${method}`, init);
    const proxied = (method: string, init?: RequestInit) => raw(`${root}/bot${w.bot.token}/${method}`, init);
    const post = (params: unknown): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(params) });

    // A method the proxy has never heard of is forwarded, not refused.
    const unknown = await (g.api.raw as unknown as Record<string, (p: unknown) => Promise<unknown>>).sendFutureThing({ chat_id: ann.id }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(GrammyError);
    expect((unknown as GrammyError).error_code).toBe(404);
    const unknownT = await t.telegram.callApi("sendFutureThing" as never, {} as never).catch((e: unknown) => e);
    expect((unknownT as TelegramError).code).toBe(404);
    expect(await proxied("sendFutureThing")).toEqual(await direct("sendFutureThing"));
    expect(await proxied("getMe")).toEqual(await direct("getMe"));
    expect(await proxied("sendMessage", post({ chat_id: 424242, text: "x" }))).toEqual(await direct("sendMessage", post({ chat_id: 424242, text: "x" })));

    // Telegram's 429 reaches the other system as it is, once: the proxy neither waits nor retries.
    const sends = () => w.emulator.stats().calls.sendMessage ?? 0;
    const before = sends();
    w.emulator.injectFault({ method: "sendMessage", kind: "429", retryAfter: 7, chatId: ann.id, times: 3 });
    const limited = await g.api.sendMessage(ann.id, "hi").catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(GrammyError);
    expect({ code: (limited as GrammyError).error_code, description: (limited as GrammyError).description, parameters: (limited as GrammyError).parameters })
      .toEqual({ code: 429, description: "Too Many Requests: retry after 7", parameters: { retry_after: 7 } });
    const limitedT = await t.telegram.sendMessage(ann.id, "hi").catch((e: unknown) => e);
    expect(limitedT).toBeInstanceOf(TelegramError);
    expect({ code: (limitedT as TelegramError).code, parameters: (limitedT as TelegramError).parameters }).toEqual({ code: 429, parameters: { retry_after: 7 } });
    const wire = await proxied("sendMessage", post({ chat_id: ann.id, text: "hi" }));
    expect(wire.status).toBe(429);
    expect(wire.retryAfter).toBe("7");
    expect(new TextDecoder().decode(wire.body)).toBe('{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}');
    expect(sends() - before).toBe(3);
  });

  it("answers logOut and close itself (Telegram is never asked); Switchboard and the other system go on", async () => {
    const { w, root } = await setup();
    const g = grammy(w, root);
    const t = telegraf(w, root);
    expect(await g.api.logOut()).toBe(true);
    expect(await g.api.close()).toBe(true);
    expect(await t.telegram.logOut()).toBe(true);
    expect(await t.telegram.close()).toBe(true);
    const wire = await raw(`${root}/bot${w.bot.token}/logOut`, { method: "POST" });
    expect({ status: wire.status, body: new TextDecoder().decode(wire.body) }).toEqual({ status: 200, body: '{"ok":true,"result":true}' });
    expect(w.emulator.stats().calls).not.toHaveProperty("logOut");
    expect(w.emulator.stats().calls).not.toHaveProperty("close");

    // Both sessions still work: Switchboard relays, the other system receives.
    await userWithTopic(w, "Ann");
    const updates = await g.api.getUpdates({ timeout: 0 });
    expect(updates.map((u) => u.message?.text)).toEqual(["hello from Ann"]);
  });

  it("long polling as on Telegram: two pollers get 409, negative offsets keep the newest, an offset far ahead is ignored", async () => {
    const { w, root } = await setup();
    const g = grammy(w, root);
    const t = telegraf(w, root);
    const ann = w.emulator.createUser({ firstName: "Ann" });
    for (const text of ["one", "two", "three"]) w.emulator.userSends(w.bot.token, ann.id, { text });
    await waitFor(async () => (await pending(g)) === 3, "three updates queued for the other system");
    const texts = (updates: readonly object[]) => updates.map((u) => (u as { message?: { text?: string } }).message?.text);

    // offset -2: the newest two; everything before them is forgotten.
    expect(texts(await g.api.getUpdates({ offset: -2, timeout: 0 }))).toEqual(["two", "three"]);
    expect(texts(await g.api.getUpdates({ timeout: 0 }))).toEqual(["two", "three"]);
    expect(texts(await t.telegram.getUpdates(0, 100, -1, undefined as never))).toEqual(["three"]);
    const [last] = await g.api.getUpdates({ timeout: 0 });
    // Far ahead of any id Telegram gave out: ignored, as Telegram's server does; nothing is confirmed.
    expect(texts(await t.telegram.getUpdates(0, 100, last.update_id + 1000, undefined as never))).toEqual(["three"]);
    // Just past the last: confirms it; nothing left.
    expect(await g.api.getUpdates({ offset: last.update_id + 1, timeout: 0 })).toEqual([]);
    expect(await pending(g)).toBe(0);

    // Two pollers: the one waiting is ended with Telegram's 409 when the other starts to wait.
    const failures: unknown[] = [];
    const received: string[] = [];
    g.on("message:text", (ctx) => void received.push(`grammY: ${ctx.message.text}`));
    t.on(message("text"), (ctx) => void received.push(`Telegraf: ${ctx.message.text}`));
    void g.start({ timeout: 30 }).catch((e: unknown) => failures.push(e));
    void t.launch().catch((e: unknown) => failures.push(e));
    const [conflict] = await waitFor(() => failures.length > 0 && failures, "one poller was told 409");
    const { code, description } = conflict instanceof GrammyError
      ? { code: conflict.error_code, description: conflict.description }
      : { code: (conflict as TelegramError).code, description: (conflict as TelegramError).description };
    expect({ code, description }).toEqual({ code: 409, description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running" });
    // The other one goes on receiving.
    w.emulator.userSends(w.bot.token, ann.id, { text: "four" });
    const [survivor] = await waitFor(() => received.filter((r) => r.endsWith(": four")).length > 0 && received, "the other poller received");
    expect(survivor).toBe(conflict instanceof GrammyError ? "Telegraf: four" : "grammY: four");
    expect(failures).toHaveLength(1);
  });

  it("slow answers hold neither the other system's other calls nor Switchboard's own relaying", async () => {
    const { w, root } = await setup();
    const g = grammy(w, root);
    const t = telegraf(w, root);
    const { user: ann } = await userWithTopic(w, "Ann");
    const { user: bob, topic: bobTopic } = await userWithTopic(w, "Bob");
    // Telegram sits on 70 of the other system's calls (more than any shared connection pool would
    // hold) until the test lets them go; every one of them must reach it meanwhile.
    const slowCount = 70;
    const holds = Array.from({ length: slowCount }, () => w.emulator.hold({ method: "sendChatAction" }));
    const actions = () => w.emulator.stats().calls.sendChatAction ?? 0;
    const slow = Promise.all(holds.map(() => g.api.sendChatAction(ann.id, "typing")));
    slow.catch(() => undefined); // awaited below; a failure before that is reported by the waits
    await waitFor(() => actions() === slowCount, `all ${slowCount} slow calls reached Telegram`);
    // Meanwhile another call of the other system answers, and Switchboard relays as usual.
    const fast = await t.telegram.sendMessage(bob.id, "quick answer");
    expect(fast.text).toBe("quick answer");
    w.emulator.userSends(w.bot.token, bob.id, { text: "are you there?" });
    await waitFor(() => topicMessages(w, bobTopic.threadId).some((m) => m.text === "are you there?"), "Switchboard relayed while the calls were held");
    for (const hold of holds) hold.release();
    expect(await slow).toEqual(Array.from({ length: slowCount }, () => true));
  });

  it("answers Telegram's 404 for malformed paths, never a 5xx", async () => {
    const { w, root } = await setup();
    const port = Number(new URL(root).port);
    const get = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        // node:http sends the path as written (fetch would normalise it).
        const req = httpRequest({ host: "127.0.0.1", port, path, method: "GET" }, (res) => {
          let body = "";
          res.on("data", (c) => (body += c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", reject);
        req.end();
      });
    const notFound = { status: 404, body: '{"ok":false,"error_code":404,"description":"Not Found"}' };
    const token = w.bot.token;
    for (const path of [`//bot${token}/getMe`, `/bot${token}`, `/bot${token}/`, `/bot${token}/getMe/more`, `/bot%E0%A4%A/getMe`, `/file/bot${token}/`, `/file/bot${token}/a/%2e%2e/b`, "/", "/favicon.ico", `/bot${token}/get-Me`]) {
      expect({ path, ...(await get(path)) }).toEqual({ path, ...notFound });
    }
    expect((await get(`/bot${token}/getMe?x=1`)).status).toBe(200);
  });
});
