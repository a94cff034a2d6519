/**
 * Proxy mode with the other system on a webhook it set on the proxy, driven by real client
 * libraries (grammY and Telegraf, unmodified), against the emulator: methods returned in webhook
 * answers are executed and intercepted, `allowed_updates` filters (and survives a restart),
 * `drop_pending_updates` drops, a refused update holds back only its own chat and is given up
 * after the retry window (on the TestClock), and setWebhook is checked as Telegram checks it.
 */
import type { Update } from "@grammyjs/types";
import { Bot, GrammyError, webhookCallback } from "grammy";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Telegraf } from "telegraf";
import { afterEach, describe, expect, it } from "vitest";
import { advanceUntil, botMessagesTo, closeAll, createWorld, freePort, logLines, startSwitchboard, topicMessages, topicNamed, waitFor, type World } from "../support/world.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
  await closeAll();
});

const proxyConfig = (port: number, params = "{ welcome: off }", extra = "") =>
  `    parallel: { mode: proxy, listen: "127.0.0.1:${port}"${extra} }\n    params: ${params}\n`;

/** The other system's webhook server: `handle` serves each request; a handler that throws answers 500, as a web framework would. */
async function webhookServer(handle: (req: IncomingMessage, res: ServerResponse) => Promise<unknown>) {
  const port = await freePort();
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return `http://127.0.0.1:${port}/hook`;
}

/** A grammY bot of the other system, on the proxy. */
function grammyBot(w: World, proxyPort: number, webhookReply?: (method: string) => boolean) {
  return new Bot(w.bot.token, { client: { apiRoot: `http://127.0.0.1:${proxyPort}`, ...(webhookReply ? { canUseWebhookReply: webhookReply } : {}) } });
}

/** A Telegraf bot of the other system, on the proxy (Telegraf answers some calls in the webhook response by default). */
function telegrafBot(w: World, proxyPort: number) {
  const bot = new Telegraf(w.bot.token, { telegram: { apiRoot: `http://127.0.0.1:${proxyPort}` } });
  bot.catch((error) => {
    throw error;
  });
  return bot;
}

/** The kinds of updates an other system received, with message texts. */
const described = (updates: readonly Update[]) =>
  updates.map((u) => (u.message ? `message:${u.message.text}` : Object.keys(u).find((k) => k !== "update_id")));

describe("parallel connection: the other system's webhook", () => {
  it("grammY: a sendMessage returned in the webhook answer is executed, intercepted into the topic, in the chat's order", async () => {
    const w = await createWorld();
    const port = await freePort();
    await startSwitchboard(w, { extra: proxyConfig(port) });
    const bot = grammyBot(w, port, (method) => method === "sendMessage");
    bot.on("message:text", (ctx) => ctx.reply(`echo: ${ctx.message.text}`));
    const url = await webhookServer(webhookCallback(bot, "http", { secretToken: "grammy-secret" }) as never);
    await bot.api.setWebhook(url, { secret_token: "grammy-secret" });

    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    await waitFor(() => botMessagesTo(w, ann.id).some((m) => m.text === "echo: hi"), "the webhook reply executed");
    for (const text of ["one", "two", "three"]) w.emulator.userSends(w.bot.token, ann.id, { text });

    const echoes = () => botMessagesTo(w, ann.id).map((m) => m.text);
    await waitFor(() => echoes().length === 4, "every reply executed");
    expect(echoes()).toEqual(["echo: hi", "echo: one", "echo: two", "echo: three"]);
    // Recorded like any call of the other system: shown in the topic as intercepted, after the user's message each answers.
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "🤖 echo: three"), "intercepted replies");
    const shown = topicMessages(w, topic.threadId).map((m) => m.text);
    expect(shown.filter((t) => t?.startsWith("🤖"))).toEqual(["🤖 echo: hi", "🤖 echo: one", "🤖 echo: two", "🤖 echo: three"]);
    expect(shown.indexOf("🤖 echo: one")).toBeGreaterThan(shown.indexOf("one"));
  });

  it("Telegraf: answerCbQuery returned in the webhook answer stops the button's spinner", async () => {
    const w = await createWorld();
    const port = await freePort();
    await startSwitchboard(w, { extra: proxyConfig(port) });
    const bot = telegrafBot(w, port);
    const seen: string[] = [];
    bot.on("callback_query", (ctx) => {
      seen.push("callback_query");
      return ctx.answerCbQuery("Billing it is");
    });
    const url = await webhookServer(bot.webhookCallback("/hook", { secretToken: "telegraf-secret" }) as never);
    await bot.telegram.setWebhook(url, { secret_token: "telegraf-secret" });

    const ann = w.emulator.createUser({ firstName: "Ann" });
    const hello = w.emulator.userSends(w.bot.token, ann.id, { text: "hello" });
    const query = w.emulator.userPressesButton(w.bot.token, ann.id, hello.message_id, "billing");
    await waitFor(() => seen.length === 1, "the button press delivered");
    expect(await waitFor(() => w.emulator.callbackAnswer(query), "the callback query answered")).toEqual({ text: "Billing it is" });
  });

  it("allowed_updates filters the webhook and getUpdates, survives a restart, and an empty list means Telegram's default", async () => {
    const w = await createWorld();
    const port = await freePort();
    const extra = proxyConfig(port);
    let running = await startSwitchboard(w, { extra });
    const received: Update[] = [];
    const bot = telegrafBot(w, port);
    bot.use((ctx) => void received.push(ctx.update as unknown as Update));
    const url = await webhookServer(bot.webhookCallback("/hook") as never);
    await bot.telegram.setWebhook(url, { allowed_updates: ["message", "message_reaction"] });

    const ann = w.emulator.createUser({ firstName: "Ann" });
    /** Ann sends `canary` and the other system gets it; earlier updates of her chat would have come before it. */
    const canary = async (text: string) => {
      w.emulator.userSends(w.bot.token, ann.id, { text });
      await waitFor(() => received.some((u) => u.message?.text === text), `canary "${text}"`, 30_000);
    };
    const first = w.emulator.userSends(w.bot.token, ann.id, { text: "first" });
    w.emulator.userPressesButton(w.bot.token, ann.id, first.message_id, "x");
    w.emulator.userReacts(w.bot.token, ann.id, first.message_id, "👍");
    await canary("canary 1");
    expect(described(received)).toEqual(["message:first", "message_reaction", "message:canary 1"]);
    expect((await bot.telegram.getWebhookInfo()).allowed_updates).toEqual(["message", "message_reaction"]);

    // A restart keeps the webhook and the list.
    await running.stop();
    running = await startSwitchboard(w, { extra });
    const info = await bot.telegram.getWebhookInfo();
    expect([info.url, info.allowed_updates]).toEqual([url, ["message", "message_reaction"]]);
    received.length = 0;
    w.emulator.userPressesButton(w.bot.token, ann.id, first.message_id, "y");
    await canary("canary 2");
    expect(described(received)).toEqual(["message:canary 2"]);

    // An empty list is Telegram's default: button presses yes, reactions no.
    await bot.telegram.setWebhook(url, { allowed_updates: [] });
    expect((await bot.telegram.getWebhookInfo()).allowed_updates).toBeUndefined();
    received.length = 0;
    w.emulator.userReacts(w.bot.token, ann.id, first.message_id, "🔥");
    w.emulator.userPressesButton(w.bot.token, ann.id, first.message_id, "z");
    await canary("canary 3");
    expect(described(received)).toEqual(["callback_query", "message:canary 3"]);

    // getUpdates sets the list too (the last one given counts, in either mode).
    await bot.telegram.deleteWebhook();
    const poll = (params: Record<string, unknown>) =>
      fetch(`http://127.0.0.1:${port}/bot${w.bot.token}/getUpdates`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(params) })
        .then((r) => r.json() as Promise<{ ok: boolean; result: Update[] }>);
    await poll({ timeout: 0, offset: -1, allowed_updates: ["message"] });
    w.emulator.userPressesButton(w.bot.token, ann.id, first.message_id, "w");
    w.emulator.userSends(w.bot.token, ann.id, { text: "canary 4" });
    const polled = await waitFor(async () => {
      const answer = await poll({ timeout: 0 });
      return answer.result.some((u) => u.message?.text === "canary 4") && answer.result;
    }, "canary 4 by getUpdates");
    expect(described(polled).slice(-1)).toEqual(["message:canary 4"]);
    expect(described(polled)).not.toContain("callback_query");
  });

  it("drop_pending_updates on deleteWebhook (grammY) and setWebhook (Telegraf) forgets what is queued", async () => {
    const w = await createWorld();
    const port = await freePort();
    await startSwitchboard(w, { extra: proxyConfig(port) });
    const grammy = grammyBot(w, port);
    const pending = async () => (await grammy.api.getWebhookInfo()).pending_update_count;
    const ann = w.emulator.createUser({ firstName: "Ann" });

    // Nobody takes them yet: they wait for the other system.
    w.emulator.userSends(w.bot.token, ann.id, { text: "old 1" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "old 2" });
    await waitFor(async () => (await pending()) === 2, "two updates queued");
    await grammy.api.deleteWebhook({ drop_pending_updates: true });
    expect(await pending()).toBe(0);

    w.emulator.userSends(w.bot.token, ann.id, { text: "old 3" });
    await waitFor(async () => (await pending()) === 1, "one more queued");
    const received: string[] = [];
    const telegraf = telegrafBot(w, port);
    telegraf.on("message", (ctx) => void received.push((ctx.message as { text: string }).text));
    const url = await webhookServer(telegraf.webhookCallback("/hook") as never);
    await telegraf.telegram.setWebhook(url, { drop_pending_updates: true });
    w.emulator.userSends(w.bot.token, ann.id, { text: "new 1" });
    await waitFor(() => received.includes("new 1"), "the update after setWebhook");
    expect(received).toEqual(["new 1"]);
    await waitFor(async () => (await pending()) === 0, "nothing left queued");
  });

  it("a refused update holds back only its own chat; getWebhookInfo tells; it is given up after the retry window, counted, and the chat goes on", async () => {
    const w = await createWorld();
    const port = await freePort();
    // A retry window of 7.2 s of test time: a few retries (0.5 s, 1 s, 2 s, 4 s …) before it runs out.
    const running = await startSwitchboard(w, { extra: proxyConfig(port, "{ welcome: off }", ", webhook_retry_hours: 0.002"), testClock: true });
    const bot = grammyBot(w, port);
    const seen: string[] = [];
    bot.on("message:text", (ctx) => {
      if (ctx.message.text === "boom") throw new Error("the other system's bug");
      seen.push(ctx.message.text);
    });
    const url = await webhookServer(webhookCallback(bot, "http") as never);
    await bot.api.setWebhook(url);

    const ann = w.emulator.createUser({ firstName: "Ann" });
    const bob = w.emulator.createUser({ firstName: "Bob" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "boom" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "after boom" });
    w.emulator.userSends(w.bot.token, bob.id, { text: "hello from Bob" });
    // Bob's chat does not wait for Ann's (no clock moves: only the refused update waits).
    await waitFor(() => seen.includes("hello from Bob"), "Bob's update");
    const info = await waitFor(async () => {
      const i = await bot.api.getWebhookInfo();
      return i.pending_update_count === 2 && i;
    }, "Ann's two updates pending");
    expect(info.last_error_message).toBe("Wrong response from the webhook: 500 Internal Server Error");
    expect(Math.abs(info.last_error_date! - Date.now() / 1000)).toBeLessThan(60);
    expect(seen).toEqual(["hello from Bob"]);

    // Retried with backoff on the Clock until the window runs out; then given up, and Ann's chat goes on.
    const from = logLines.length;
    await advanceUntil(running, () => seen.includes("after boom"), "Ann's next update", 500);
    expect(seen).toEqual(["hello from Bob", "after boom"]);
    expect(running.bots[0]!.proxy!.stats.webhookGivenUp).toBe(1);
    expect(logLines.slice(from).some((l) => l.includes("gave up on an update the parallel system's webhook refused"))).toBe(true);
    await waitFor(async () => (await bot.api.getWebhookInfo()).pending_update_count === 0, "nothing pending");
  });

  it("setWebhook is checked as Telegram checks it: bad URLs and secrets get 400 with Telegram's descriptions, max_connections is clamped", async () => {
    const w = await createWorld();
    const port = await freePort();
    await startSwitchboard(w, { extra: proxyConfig(port) });
    const bot = grammyBot(w, port);
    const refusal = (url: string, other: Parameters<typeof bot.api.setWebhook>[1] = {}) =>
      bot.api.setWebhook(url, other).then(() => "accepted", (e: GrammyError) => `${e.error_code} ${e.description}`);

    for (const url of ["not a url", "ftp://example.com/hook", "https://", "http://:8080/hook", "https://exa mple.com/", "https://example.com:0/", "https://example.com:70000/"]) {
      expect(await refusal(url)).toBe("400 Bad Request: invalid webhook URL specified");
    }
    expect(await refusal("https://example.com/hook", { secret_token: "a".repeat(257) })).toBe("400 Bad Request: secret token is too long");
    expect(await refusal("https://example.com/hook", { secret_token: "x".repeat(100_000) })).toBe("400 Bad Request: secret token is too long");
    expect(await refusal("https://example.com/hook", { secret_token: "has space" })).toBe("400 Bad Request: secret token contains unallowed characters");
    expect(await refusal("https://example.com/hook", { secret_token: "ünïcode" })).toBe("400 Bad Request: secret token contains unallowed characters");
    expect((await bot.api.getWebhookInfo()).url).toBe(""); // nothing was set

    // Accepted as Telegram accepts them: a scheme-less URL is https, max_connections is clamped to 1-100.
    expect(await refusal("example.com/hook", { secret_token: "Ok_-123", max_connections: 0 })).toBe("accepted");
    expect(await bot.api.getWebhookInfo()).toMatchObject({ url: "example.com/hook", max_connections: 1 });
    expect(await refusal("https://example.com/hook", { max_connections: 1000 })).toBe("accepted");
    expect((await bot.api.getWebhookInfo()).max_connections).toBe(100);
    // A refused change leaves the webhook as it was.
    expect(await refusal("ftp://example.com/")).toBe("400 Bad Request: invalid webhook URL specified");
    expect((await bot.api.getWebhookInfo()).url).toBe("https://example.com/hook");
    const same = await fetch(`http://127.0.0.1:${port}/bot${w.bot.token}/setWebhook?url=${encodeURIComponent("https://example.com/hook")}&max_connections=100`).then((r) => r.json());
    expect(same).toEqual({ ok: true, result: true, description: "Webhook is already set" });
  });
});
