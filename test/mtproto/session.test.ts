/**
 * MTProto parallel mode end to end: Switchboard's real pipeline and mtcute's real client and
 * updates manager, with Telegram stubbed at the MTProto boundary (test/support/fake-mtproto.ts)
 * and at the Bot API (the emulator, over HTTP). The "other system" is a real grammY bot polling
 * the emulator's Bot API directly, as it would in production: it never learns Switchboard exists.
 */
import type { Update } from "@grammyjs/types";
import { Bot, InlineKeyboard } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import { FakeMtproto } from "../support/fake-mtproto.ts";
import { botMessagesTo, closeAll, createWorld, logLines, startSwitchboard, topicMessages, topicNamed, waitFor, type World } from "../support/world.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await closeAll();
});

const HASH = "0123456789abcdef0123456789abcdef";
const mtprotoConfig = (params = "{ private_keywords: operator, welcome: off }") =>
  `    parallel: { mode: mtproto, api_id: 12345, api_hash: "${HASH}" }\n    params: ${params}\n`;

function fakeTelegram(w: World) {
  const fake = new FakeMtproto(w.emulator, { ...w.bot, firstName: "Acme Support" });
  cleanups.push(() => fake.close());
  return fake;
}

/** The other system, on the Bot API: a grammY scenario bot with buttons. */
function otherSystem(w: World) {
  const seen: Update[] = [];
  const bot = new Bot(w.bot.token, { client: { apiRoot: w.emulator.url } });
  bot.use((ctx, next) => {
    seen.push(ctx.update as unknown as Update);
    return next();
  });
  // Like most scenario bots, it answers private chats only (it would see the operators' group too:
  // it is the same bot).
  const dm = bot.chatType("private");
  dm.command("start", (ctx) => ctx.reply("Welcome to Acme! What do you need?", { reply_markup: new InlineKeyboard().text("Billing", "billing").text("Shipping", "shipping") }));
  dm.callbackQuery("billing", async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.reply("Billing questions: write 'operator' to reach a human.");
  });
  dm.on("message:text", (ctx) => ctx.reply(`Bot: I got "${ctx.message.text}"`));
  bot.catch(() => undefined);
  void bot.start({ timeout: 1, drop_pending_updates: false });
  cleanups.push(() => bot.stop().catch(() => undefined));
  return { bot, seen };
}

describe("parallel connection: MTProto mode", () => {
  it("receives users and operators through MTProto, intercepts the other system, never echoes its own sends, never touches getUpdates", async () => {
    const w = await createWorld();
    const fake = fakeTelegram(w);
    const sb = await startSwitchboard(w, { extra: mtprotoConfig(), mtprotoClient: fake.factory });
    // The Bot API's update delivery belongs to the other system: Switchboard leaves it alone.
    const calls = w.emulator.stats().calls;
    expect([calls.getUpdates, calls.setWebhook, calls.deleteWebhook]).toEqual([undefined, undefined, undefined]);
    const { seen } = otherSystem(w);
    const ann = w.emulator.createUser({ firstName: "Ann" });

    w.emulator.userSends(w.bot.token, ann.id, { text: "/start" });
    const welcome = await waitFor(() => botMessagesTo(w, ann.id).find((m) => m.text?.startsWith("Welcome to Acme")), "grammY welcome");
    w.emulator.userPressesButton(w.bot.token, ann.id, welcome.message_id, "billing");
    await waitFor(() => botMessagesTo(w, ann.id).find((m) => m.text?.startsWith("Billing questions")), "callback answered by grammY");
    expect(w.emulator.topics(w.groupId)).toHaveLength(0);

    w.emulator.userSends(w.bot.token, ann.id, { text: "I need an operator please" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic on keyword");
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === '🤖 Bot: I got "I need an operator please"'), "intercepted reply");
    expect(topicMessages(w, topic.threadId)[0].text).toBe("I need an operator please");

    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "Hi Ann, Olga here." });
    await waitFor(() => botMessagesTo(w, ann.id).some((m) => m.text === "Hi Ann, Olga here."), "operator answer through the Bot API");
    w.emulator.userSends(w.bot.token, ann.id, { text: "thanks" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === '🤖 Bot: I got "thanks"'), "second intercepted reply");
    await sb.bots[0].mtproto!.drained();

    // Our own send came back through MTProto as outgoing, and was recognised.
    const texts = topicMessages(w, topic.threadId).map((m) => m.text);
    expect(texts.filter((t) => t?.includes("Olga here"))).toEqual(["Hi Ann, Olga here."]); // the operator's own post, no 🤖 copy
    expect(sb.bots[0].mtproto!.stats.ownEchoes).toBeGreaterThanOrEqual(1);
    // Every interception is counted, also those before the topic existed (welcome, billing, two answers).
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/info" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text?.includes("Intercepted bot messages: 4")), "/info shows the count");
    // grammY kept its getUpdates and saw every user update.
    expect(seen.filter((u) => u.message?.chat.id === ann.id).map((u) => u.message?.text)).toEqual(["/start", "I need an operator please", "thanks"]);
  });

  it("fails to start with a clear message when Telegram refuses the login", async () => {
    const w = await createWorld();
    // Telegram knows this bot by another token (revoked): importBotAuthorization fails.
    const fake = new FakeMtproto(w.emulator, { ...w.bot, token: "1:revoked" });
    cleanups.push(() => fake.close());
    await expect(startSwitchboard(w, { extra: mtprotoConfig(), mtprotoClient: fake.factory }))
      .rejects.toThrow(/bot "acme": MTProto login failed: .*ACCESS_TOKEN_INVALID.*check parallel\.api_id and parallel\.api_hash/);
  });

  it("ignores updates: webhook with a warning: the webhook is the other system's", async () => {
    const w = await createWorld();
    const fake = fakeTelegram(w);
    const extra = `    updates: webhook\n    webhook: { url: "https://bot.example.com/hook", listen: "127.0.0.1:8443" }\n${mtprotoConfig("{ welcome: off }")}`;
    await startSwitchboard(w, { extra, mtprotoClient: fake.factory });
    expect(logLines.some((l) => l.includes(`updates: webhook is ignored in parallel mode "mtproto"`))).toBe(true);
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hello" });
    await waitFor(() => topicNamed(w, "Ann"), "topic through MTProto");
    expect(w.emulator.stats().calls.setWebhook).toBeUndefined();
  });

  it("mirrors the other system's edits into the topic; replies map to its messages; our own edits are not mirrored", async () => {
    const w = await createWorld();
    const fake = fakeTelegram(w);
    const sb = await startSwitchboard(w, { extra: mtprotoConfig("{ welcome: off }"), mtprotoClient: fake.factory });
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hello" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    const call = async (method: string, params: Record<string, unknown>) => {
      const answer = await w.emulator.call(w.bot.token, method, params);
      if (!answer.ok) throw new Error(answer.description);
      return answer.result as { message_id: number };
    };

    // The other system sends a bold text with a button, then edits it.
    const sent = await call("sendMessage", {
      chat_id: ann.id, text: "Your order is packed", entities: [{ type: "bold", offset: 11, length: 6 }],
      reply_markup: { inline_keyboard: [[{ text: "Track", callback_data: "track" }]] },
    });
    const shown = await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text?.startsWith("🤖 Your order")), "intercepted");
    expect(shown.text).toBe("🤖 Your order is packed\n[Track]");
    expect(shown.entities).toEqual([{ type: "bold", offset: 14, length: 6 }]); // shifted past "🤖 "
    await call("editMessageText", { chat_id: ann.id, message_id: sent.message_id, text: "Your order is shipped" });
    await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.message_id === shown.message_id)?.text === "🤖 Your order is shipped", "edit mirrored");

    // The user answers the bot's message: the topic copy answers the 🤖 line.
    w.emulator.userSends(w.bot.token, ann.id, { text: "where is it now?", replyToMessageId: sent.message_id });
    const reply = await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text === "where is it now?"), "reply relayed");
    expect(reply.reply_to_message?.message_id).toBe(shown.message_id);

    // An operator edits their answer: Switchboard edits the user's copy, and that echo is ours.
    const answer = w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "On its way" });
    await waitFor(() => botMessagesTo(w, ann.id).some((m) => m.text === "On its way"), "answer delivered");
    const session = sb.bots[0].mtproto!;
    await session.drained();
    const echoes = session.stats.ownEchoes;
    w.emulator.operatorEdits(w.groupId, w.operator.id, answer.message_id, { text: "On its way, arriving today" });
    await waitFor(() => botMessagesTo(w, ann.id).some((m) => m.text === "On its way, arriving today"), "edit delivered");
    await waitFor(() => session.stats.ownEchoes > echoes, "the edit's echo recognised as ours");
    expect(topicMessages(w, topic.threadId).filter((m) => m.text?.startsWith("🤖"))).toHaveLength(1);
  });
});
