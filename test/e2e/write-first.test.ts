/** /new end to end: operators write first — by id or username, with and without text, refusals, permissions. */
import type { Message } from "@grammyjs/types";
import type { Kysely } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open.ts";
import { botMessagesTo, closeAll, createWorld, firstContact, startSwitchboard, topicMessages, topicNamed, waitFor, type World } from "../support/world.ts";

afterEach(closeAll);

const general = (w: World) => w.emulator.messages(w.groupId).filter((m) => m.message_thread_id === undefined && m.from?.is_bot);
/** An operator writes in General; resolves with the bot's answer there. */
async function ask(w: World, text: string, from = w.operator.id): Promise<string | undefined> {
  const before = general(w).length;
  w.emulator.operatorPosts(w.groupId, from, { text });
  return (await waitFor(() => general(w)[before], `answer to ${text}`)).text;
}
/** The bot's next message in General after `before` of them. */
const nextInGeneral = (w: World, before: number, what: string): Promise<Message> => waitFor(() => general(w)[before], what);
/** Resolves once Switchboard has stored a conversation with `chatId` (a user it has seen). */
async function seen(w: World, chatId: number) {
  const db = await openStore(w.storage);
  await waitFor(async () => (await db.selectFrom("conversations").select("chat_id").where("chat_id", "=", chatId).executeTakeFirst()) !== undefined, `conversation ${chatId}`);
  await db.destroy();
}
const internal = (w: World) => String(w.groupId).replace(/^-100/, "");
const link = (w: World, threadId: number) => `https://t.me/c/${internal(w)}/${threadId}`;

describe("/new", () => {
  it.each(["sqlite", "postgres"] as const)("finds an existing topic by id or @username (case-insensitive) and answers with its link (%s)", async (storage) => {
    const w = await createWorld({ storage });
    await startSwitchboard(w);
    const ann = w.emulator.createUser({ firstName: "Ann", username: "Ann_Lee" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "Ann's topic");
    expect(await ask(w, `/new ${ann.id}`)).toBe(`Ann already has a topic: ${link(w, topic.threadId)}`);
    expect(await ask(w, "/new @ann_lee")).toBe(`Ann already has a topic: ${link(w, topic.threadId)}`);
    expect(await ask(w, "/new ANN_LEE")).toBe(`Ann already has a topic: ${link(w, topic.threadId)}`);
    // `_` is no wildcard: "annXlee" is someone else.
    expect(await ask(w, "/new annXlee")).toMatch(/^No user @annXlee has written to this bot\. The Bot API cannot look up usernames/);
  });

  it("with TEXT: sends it to the user like an operator's message, shows it in the topic, and makes the dialog 🟨 (reopening a closed one)", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    const { user: ann, topic } = await firstContact(w, "Ann");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/close" });
    await waitFor(() => topicNamed(w, "⬛️ Ann"), "closed");

    expect(await ask(w, `/new ${ann.id} Hello Ann,\nyour order is ready.`)).toBe(`✉️ Sending to Ann: ${link(w, topic.threadId)}`);
    const sent = await waitFor(() => botMessagesTo(w, ann.id).find((m) => m.text === "Hello Ann,\nyour order is ready."), "the text at the user");
    await waitFor(() => topicNamed(w, "🟨 Ann"), "🟨 and reopened");
    expect(w.emulator.topics(w.groupId).find((t) => t.threadId === topic.threadId)?.closed).toBe(false);
    const shown = await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text === "Hello Ann,\nyour order is ready."), "the copy in the topic");
    expect(topicMessages(w, topic.threadId).some((m) => m.text === "✉️ Written first from General (/new):")).toBe(true);
    // Paired like a relayed message: the user's reply shows as a reply to the copy.
    w.emulator.userSends(w.bot.token, ann.id, { text: "thanks", replyToMessageId: sent.message_id });
    const reply = await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text === "thanks"), "the reply");
    expect(reply.reply_to_message?.message_id).toBe(shown.message_id);
  });

  it("opens a topic for a user who has none yet (keyword gating), with and without TEXT, and posts its link in General", async () => {
    const w = await createWorld();
    await startSwitchboard(w, { extra: `    params: { private_keywords: operator }` });
    const ann = w.emulator.createUser({ firstName: "Ann", username: "annie" });
    const bob = w.emulator.createUser({ firstName: "Bob" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    w.emulator.userSends(w.bot.token, bob.id, { text: "hello" });
    await seen(w, ann.id);
    await seen(w, bob.id);

    const before = general(w).length;
    expect(await ask(w, "/new @annie")).toBe("🆕 Opening a topic for Ann…");
    const topic = await waitFor(() => topicNamed(w, "🟨 Ann"), "Ann's topic, 🟨");
    expect((await nextInGeneral(w, before + 1, "the link")).text).toBe(`🆕 Topic for Ann: ${link(w, topic.threadId)}`);
    expect(botMessagesTo(w, ann.id)).toEqual([]);

    const before2 = general(w).length;
    expect(await ask(w, `/new ${bob.id} Hi Bob, you asked about prices?`)).toBe("🆕 Opening a topic for Bob with your message…");
    const bobTopic = await waitFor(() => topicNamed(w, "🟨 Bob"), "Bob's topic");
    expect((await nextInGeneral(w, before2 + 1, "the link")).text).toBe(`🆕 Topic for Bob: ${link(w, bobTopic.threadId)}`);
    await waitFor(() => botMessagesTo(w, bob.id).some((m) => m.text === "Hi Bob, you asked about prices?"), "the text at Bob");
    await waitFor(() => topicMessages(w, bobTopic.threadId).some((m) => m.text === "Hi Bob, you asked about prices?"), "the copy in Bob's topic");
    // The user's answer now goes to the topic without a keyword: the dialog is open.
    w.emulator.userSends(w.bot.token, bob.id, { text: "yes please" });
    await waitFor(() => topicMessages(w, bobTopic.threadId).some((m) => m.text === "yes please"), "Bob's answer");
  });

  it("says so in General when Telegram refuses: a user who never started the bot", async () => {
    const w = await createWorld();
    const first = await startSwitchboard(w, { extra: `    params: { private_keywords: operator }` });
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    await seen(w, ann.id);
    await first.stop();
    // A conversation for someone who never started the bot (as a store moved from another
    // deployment may hold): Telegram will not let the bot write to them.
    const stranger = w.emulator.createUser({ firstName: "Stranger" });
    const db = await openStore(w.storage);
    const row = await db.selectFrom("conversations").selectAll().where("chat_id", "=", ann.id).executeTakeFirstOrThrow();
    const awaiting = await db.selectFrom("conversations").selectAll().where("state", "=", "awaiting-keyword").executeTakeFirst();
    const user = { id: stranger.id, firstName: "Stranger" };
    const snapshot = { value: "awaiting-keyword", context: { ...JSON.parse(row.snapshot).context, chatId: stranger.id, user, topicId: null, data: {} } };
    await (db as unknown as Kysely<any>).insertInto("conversations").values({ ...(awaiting ?? row), chat_id: stranger.id, topic_id: null, state: "awaiting-keyword", user: JSON.stringify(user), snapshot: JSON.stringify(snapshot) }).execute();
    await db.destroy();

    await startSwitchboard(w, { extra: `    params: { private_keywords: operator }` });
    expect(await ask(w, `/new ${stranger.id} Hello`)).toBe("🆕 Opening a topic for Stranger with your message…");
    const refused = await waitFor(() => general(w).find((m) => m.text?.startsWith("⚠️")), "the refusal in General");
    expect(refused.text).toBe("⚠️ Telegram refused the message to Stranger (Forbidden: bot can't initiate conversation with a user). A bot can only write to users who have started it and not blocked it.");
    expect(botMessagesTo(w, stranger.id)).toEqual([]);
  });

  it("unknown users, bad arguments and banned users get one line", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    const { user: ann, topic } = await firstContact(w, "Ann");
    const help = await ask(w, "/new");
    expect(help).toMatch(/^\/new USERNAME_OR_ID — open \(or find\) a user's topic to write first\n/);
    expect(await ask(w, "/new help")).toBe(help);
    expect(await ask(w, "/new 424242")).toBe("User 424242 has never written to this bot, so Switchboard cannot write to them: a bot can only write to users who have started it. Ask them to open @acme_support_bot and press Start.");
    expect(await ask(w, "/new nobody_here hi")).toBe("No user @nobody_here has written to this bot. The Bot API cannot look up usernames, so /new finds only users Switchboard has seen; a bot can only write to users who have started it.");
    expect(await ask(w, "/new -100123")).toBe("/new writes to users: -100123 is not a user id.");
    expect(await ask(w, "/new a-b")).toBe('"a-b" is neither a user id nor a @username.');
    expect(await ask(w, `/new ${ann.id} ${"x".repeat(4097)}`)).toBe("A message has at most 4096 characters; this one has 4097.");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/ban" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text?.startsWith("⛔ Banned")), "banned");
    expect(await ask(w, `/new ${ann.id} hi`)).toBe(`Ann is banned; /unban in their topic first: ${link(w, topic.threadId)}`);
  });

  it("is for extensions_allowed only, and follows hide_info in what it answers", async () => {
    const w = await createWorld();
    const boss = w.emulator.createUser({ firstName: "Boss" });
    await startSwitchboard(w, { extra: `    params: { extensions_allowed: [${boss.id}], hide_info: [name] }` });
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    await waitFor(() => w.emulator.topics(w.groupId).length > 0, "Ann's topic");
    expect(await ask(w, `/new ${ann.id}`)).toBe("⛔ /new is only for the operators listed in extensions_allowed.");
    const answer = await ask(w, `/new ${ann.id}`, boss.id);
    expect(answer).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+ \d{4} already has a topic: https:\/\/t\.me\/c\//);
    expect(answer).not.toContain("Ann");
  });
});
