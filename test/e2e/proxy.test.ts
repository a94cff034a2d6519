/**
 * Proxy mode with a real third-party bot library as the other system: a grammY bot with a
 * /start welcome, inline buttons and callback handling, pointed at Switchboard's proxy, which
 * is pointed at the emulator.
 */
import type { Update } from "@grammyjs/types";
import { Bot, InlineKeyboard } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import { botMessagesTo, closeAll, createWorld, freePort, startSwitchboard, topicMessages, topicNamed, waitFor, type World } from "../support/world.ts";

const bots: Bot[] = [];
afterEach(async () => {
  for (const b of bots.splice(0)) await b.stop().catch(() => undefined);
  await closeAll();
});

/** The other system: an n8n-like scenario bot written with grammY. */
function otherSystem(w: World, port: number) {
  const seen: Update[] = [];
  const bot = new Bot(w.bot.token, { client: { apiRoot: `http://127.0.0.1:${port}` } });
  bot.use((ctx, next) => {
    seen.push(ctx.update as unknown as Update); // grammY ships its own copy of the same types
    return next();
  });
  bot.command("start", (ctx) => ctx.reply("Welcome to Acme! What do you need?", { reply_markup: new InlineKeyboard().text("Billing", "billing").text("Shipping", "shipping") }));
  bot.callbackQuery("billing", async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.reply("Billing questions: write 'operator' to reach a human.");
  });
  bot.on("message:text", (ctx) => ctx.reply(`Bot: I got "${ctx.message.text}"`));
  bot.catch(() => undefined);
  bots.push(bot);
  void bot.start({ timeout: 1, drop_pending_updates: false });
  return { bot, seen };
}

const proxyConfig = (port: number, params = "{ private_keywords: operator, welcome: off }") =>
  `    parallel: { mode: proxy, listen: "127.0.0.1:${port}" }\n    params: ${params}\n`;

describe("parallel connection: proxy mode", () => {
  it("runs the other system's scenario untouched, opens the topic on the keyword, intercepts its messages, hides operators from it", async () => {
    const w = await createWorld();
    const port = await freePort();
    const extra = proxyConfig(port);
    const first = await startSwitchboard(w, { extra });
    const before = first.bots[0].nextUpdateId();
    const { seen } = otherSystem(w, port);
    const ann = w.emulator.createUser({ firstName: "Ann" });

    // The other system's welcome with buttons, and its callback handling.
    w.emulator.userSends(w.bot.token, ann.id, { text: "/start" });
    const welcome = await waitFor(() => botMessagesTo(w, ann.id).find((m) => m.text?.startsWith("Welcome to Acme")), "grammY welcome");
    expect(welcome.reply_markup?.inline_keyboard[0].map((b) => b.text)).toEqual(["Billing", "Shipping"]);
    w.emulator.userPressesButton(w.bot.token, ann.id, welcome.message_id, "billing");
    await waitFor(() => botMessagesTo(w, ann.id).find((m) => m.text?.startsWith("Billing questions")), "callback answered");
    expect(w.emulator.topics(w.groupId)).toHaveLength(0); // no keyword yet: no topic

    // The keyword opens the topic; from then on the topic shows the user and the other system.
    w.emulator.userSends(w.bot.token, ann.id, { text: "I need an operator please" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic on keyword");
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === '🤖 Bot: I got "I need an operator please"'), "intercepted reply");
    // The intercepted messages' ids come from the bot's one synthetic-id generator (shared with the Topics API).
    const after = first.bots[0].nextUpdateId();
    const intercepted = await first.db.selectFrom("inbox").select("update_id").where("update_id", "<", 0).execute();
    expect(intercepted.length).toBeGreaterThan(0);
    for (const { update_id } of intercepted) expect(update_id < before && update_id > after).toBe(true);
    expect(topicMessages(w, topic.threadId)[0].text).toBe("I need an operator please");
    expect(topicMessages(w, topic.threadId).some((m) => m.text?.includes("Welcome to Acme"))).toBe(false); // before the topic: not shown later

    // An operator answers; the other system never sees the operators' group.
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "Hi Ann, Olga here." });
    await waitFor(() => botMessagesTo(w, ann.id).some((m) => m.text === "Hi Ann, Olga here."), "operator answer");
    w.emulator.userSends(w.bot.token, ann.id, { text: "thanks" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === '🤖 Bot: I got "thanks"'), "second intercepted reply");
    expect(seen.some((u) => u.message?.chat.id === w.groupId)).toBe(false);

    // Restart Switchboard: the other system keeps polling the proxy and loses nothing.
    await first.stop();
    w.emulator.userSends(w.bot.token, ann.id, { text: "while Switchboard was down" });
    await startSwitchboard(w, { extra });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "while Switchboard was down"), "relayed after restart", 30_000);
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === '🤖 Bot: I got "while Switchboard was down"'), "other system answered after restart", 30_000);

    // Both update streams contain every user update.
    const userUpdates = w.emulator.updatesFor(w.bot.token).filter((u) => u.message?.chat.type === "private" || u.callback_query).map((u) => u.update_id);
    const seenIds = new Set(seen.map((u) => u.update_id));
    expect(userUpdates.filter((id) => !seenIds.has(id))).toEqual([]);
    expect(new Set(seen.map((u) => u.update_id)).size).toBe(seen.length); // no duplicates for the other system
  });

  it("intercept: false hides the other system's messages; other tokens are refused", async () => {
    const w = await createWorld();
    const port = await freePort();
    await startSwitchboard(w, { extra: proxyConfig(port, "{ intercept: false, welcome: off }") });
    otherSystem(w, port);
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hello" });
    await waitFor(() => botMessagesTo(w, ann.id).some((m) => m.text === 'Bot: I got "hello"'), "other system answered");
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    w.emulator.userSends(w.bot.token, ann.id, { text: "marker" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "marker"), "marker");
    expect(topicMessages(w, topic.threadId).some((m) => m.text?.startsWith("🤖"))).toBe(false);

    const foreign = await fetch(`http://127.0.0.1:${port}/bot123:WRONG/getMe`);
    expect(foreign.status).toBe(401);
  });

  it("honours setWebhook from the other system: updates are posted to it with its secret", async () => {
    const w = await createWorld();
    const port = await freePort();
    await startSwitchboard(w, { extra: proxyConfig(port, "{ welcome: off }") });
    const received: { secret: string | undefined; update: Update }[] = [];
    const hookPort = await freePort();
    const { createServer: httpServer } = await import("node:http");
    const hook = httpServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push({ secret: req.headers["x-telegram-bot-api-secret-token"] as string | undefined, update: JSON.parse(body) });
        res.end("ok");
      });
    });
    await new Promise<void>((r) => hook.listen(hookPort, "127.0.0.1", () => r()));
    try {
      const set = await fetch(`http://127.0.0.1:${port}/bot${w.bot.token}/setWebhook`, {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ url: `http://127.0.0.1:${hookPort}/hook`, secret_token: "other-secret" }),
      }).then((r) => r.json() as Promise<{ ok: boolean }>);
      expect(set.ok).toBe(true);
      const ann = w.emulator.createUser({ firstName: "Ann" });
      w.emulator.userSends(w.bot.token, ann.id, { text: "to both" });
      await waitFor(() => received.some((r) => r.update.message?.text === "to both"), "webhook delivery");
      expect(received[0].secret).toBe("other-secret");
      const polling = await fetch(`http://127.0.0.1:${port}/bot${w.bot.token}/getUpdates`);
      expect(polling.status).toBe(409);
      await waitFor(() => topicNamed(w, "Ann"), "Switchboard relayed it too");
    } finally {
      hook.close();
    }
  });

  it("mirrors the other system's edits into the topic's 🤖 line", async () => {
    const w = await createWorld();
    const port = await freePort();
    await startSwitchboard(w, { extra: proxyConfig(port, "{ welcome: off }") });
    const call = async (method: string, params: Record<string, unknown>) => {
      const answer = await fetch(`http://127.0.0.1:${port}/bot${w.bot.token}/${method}`, {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(params),
      }).then((r) => r.json() as Promise<{ ok: boolean; result: { message_id: number } }>);
      expect(answer.ok).toBe(true);
      return answer.result;
    };
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hello" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    const sent = await call("sendMessage", { chat_id: ann.id, text: "Pick a plan", reply_markup: { inline_keyboard: [[{ text: "Basic", callback_data: "b" }]] } });
    const shown = await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text?.startsWith("🤖 Pick a plan")), "intercepted");
    expect(shown.text).toBe("🤖 Pick a plan\n[Basic]");
    await call("editMessageText", { chat_id: ann.id, message_id: sent.message_id, text: "Plan chosen: Basic" });
    await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.message_id === shown.message_id)?.text === "🤖 Plan chosen: Basic", "edit mirrored");
  });
});
