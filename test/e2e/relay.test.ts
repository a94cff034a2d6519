/** The default relaying behaviour, end to end through the emulator over HTTP. */
import { afterEach, describe, expect, it } from "vitest";
import { TestClock } from "effect";
import { advanceUntil, botMessagesTo, closeAll, createWorld, firstContact, logLines, startSwitchboard, topicMessages, topicNamed, waitFor, type World } from "../support/world.ts";

afterEach(closeAll);

async function setUp(extra?: string): Promise<World> {
  const world = await createWorld();
  await startSwitchboard(world, { extra });
  return world;
}

describe("first contact", () => {
  it("creates a topic titled with the status and name, relays the message and greets the user", async () => {
    const w = await setUp();
    const ann = w.emulator.createUser({ firstName: "Ann", lastName: "Lee" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "Hello, my order is late" });

    const topic = await waitFor(() => topicNamed(w, "Ann Lee"), "topic");
    expect(topic.name).toBe("🟪 Ann Lee");
    const copies = await waitFor(() => topicMessages(w, topic.threadId).length === 1 && topicMessages(w, topic.threadId), "copy");
    expect(copies[0].text).toBe("Hello, my order is late");
    const greeting = await waitFor(() => botMessagesTo(w, ann.id)[0], "welcome");
    expect(greeting.text).toContain("Ann Lee");
    expect(greeting.text).not.toContain("{title}");
  });

  it("uses the welcome param with {title} and sends none with welcome: off", async () => {
    const w = await setUp(`    params: { WELCOME: "Hi {title}, we are here." }`);
    const bob = w.emulator.createUser({ firstName: "Bob" });
    w.emulator.userSends(w.bot.token, bob.id, { text: "hi" });
    const greeting = await waitFor(() => botMessagesTo(w, bob.id)[0], "welcome");
    expect(greeting.text).toBe("Hi Bob, we are here.");
    await closeAll();

    const w2 = await setUp(`    params: { welcome: off }`);
    const cid = w2.emulator.createUser({ firstName: "Cid" });
    w2.emulator.userSends(w2.bot.token, cid.id, { text: "hi" });
    const topic = await waitFor(() => topicNamed(w2, "Cid"), "topic");
    await waitFor(() => topicMessages(w2, topic.threadId).length === 1, "copy");
    w2.emulator.userSends(w2.bot.token, cid.id, { text: "second" });
    await waitFor(() => topicMessages(w2, topic.threadId).length === 2, "second copy");
    expect(botMessagesTo(w2, cid.id)).toHaveLength(0);
  });
});

describe("welcome formatting", () => {
  it("sends Telegram HTML as formatting, escapes the name, and falls back to plain text on bad markup", async () => {
    const w = await setUp(`    params: { welcome: '<b>Welcome</b>, {title}! See <a href="https://example.com/faq">the FAQ</a>.' }`);
    const eve = w.emulator.createUser({ firstName: "Eve", lastName: "<Admin>" });
    w.emulator.userSends(w.bot.token, eve.id, { text: "hi" });
    const greeting = await waitFor(() => botMessagesTo(w, eve.id)[0], "welcome");
    expect(greeting.text).toBe("Welcome, Eve <Admin>! See the FAQ.");
    expect(greeting.entities).toEqual([
      { type: "bold", offset: 0, length: 7 },
      { type: "text_link", offset: 26, length: 7, url: "https://example.com/faq" },
    ]);
    await closeAll();

    const w2 = await setUp(`    params: { welcome: "<b>Unclosed bold, {title}" }`);
    const bob = w2.emulator.createUser({ firstName: "Bob" });
    w2.emulator.userSends(w2.bot.token, bob.id, { text: "hi" });
    const plain = await waitFor(() => botMessagesTo(w2, bob.id)[0], "plain fallback");
    expect(plain.text).toBe("<b>Unclosed bold, Bob");
  });
});

describe("operators answer from the topic", () => {
  it("relays operator messages to the user, flips the status, keeps comments and commands internal", async () => {
    const w = await setUp();
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "help" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    await waitFor(() => topicMessages(w, topic.threadId).length === 1, "copy");

    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/ internal note: VIP" });
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/nosuchcommand" });
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "We are on it!" });

    await waitFor(() => botMessagesTo(w, ann.id).some((m) => m.text === "We are on it!"), "answer to user");
    await waitFor(() => topicNamed(w, "Ann")?.name === "🟨 Ann", "title 🟨");
    const toUser = botMessagesTo(w, ann.id).map((m) => m.text);
    expect(toUser.some((t) => t?.includes("internal note"))).toBe(false);
    expect(toUser.some((t) => t?.includes("nosuchcommand"))).toBe(false);
    // The unknown command gets a hint in the topic.
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.from?.is_bot && m.text?.includes("Unknown command /nosuchcommand")), "hint");

    w.emulator.userSends(w.bot.token, ann.id, { text: "thanks" });
    await waitFor(() => topicNamed(w, "Ann")?.name === "🟪 Ann", "title 🟪 again");
  });

  it("never relays General-topic messages, other chats, or bots' messages", async () => {
    const w = await setUp();
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    await waitFor(() => topicMessages(w, topic.threadId).length === 1, "copy");
    await waitFor(() => botMessagesTo(w, ann.id).length === 1, "welcome");
    const before = botMessagesTo(w, ann.id).length;

    w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "general chatter" });
    const otherBot = w.emulator.createUser({ firstName: "Other", isBot: true });
    w.emulator.operatorPosts(w.groupId, otherBot.id, { threadId: topic.threadId, text: "from a bot" });
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "marker" });

    await waitFor(() => botMessagesTo(w, ann.id).some((m) => m.text === "marker"), "marker");
    const texts = botMessagesTo(w, ann.id).slice(before).map((m) => m.text);
    expect(texts).toEqual(["marker"]);
  });
});

describe("message types", () => {
  it("copies every copyable type into the topic and back", async () => {
    const w = await setUp();
    const ann = w.emulator.createUser({ firstName: "Ann" });
    const kinds = [
      { text: "plain", entities: [{ type: "bold" as const, offset: 0, length: 5 }] },
      { photo: true as const, caption: "a photo" },
      { video: true as const }, { voice: true as const }, { audio: true as const }, { document: true as const },
      { sticker: true as const }, { animation: true as const }, { video_note: true as const },
      { location: { latitude: 52.5, longitude: 13.4 } },
      { contact: { phone_number: "+100", first_name: "Zed" } },
      { poll: { question: "Which?", options: ["a", "b"] } },
      { dice: {} },
    ];
    for (const content of kinds) w.emulator.userSends(w.bot.token, ann.id, content);
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    const copies = await waitFor(() => topicMessages(w, topic.threadId).length === kinds.length && topicMessages(w, topic.threadId), "all copies");
    const keys = ["text", "photo", "video", "voice", "audio", "document", "sticker", "animation", "video_note", "location", "contact", "poll", "dice"];
    copies.forEach((m, i) => expect(m, `copy ${i}`).toHaveProperty(keys[i]));
    expect(copies[0].entities?.[0]?.type).toBe("bold");
    expect(copies[1].caption).toBe("a photo");

    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, document: true, caption: "invoice" });
    const doc = await waitFor(() => botMessagesTo(w, ann.id).find((m) => "document" in m), "document to user");
    expect(doc.caption).toBe("invoice");
  });

  it("keeps albums together in both directions", async () => {
    const w = await setUp();
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "look" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    w.emulator.userSendsAlbum(w.bot.token, ann.id, [{ photo: true, caption: "one" }, { photo: true }, { video: true }]);
    const copies = await waitFor(() => topicMessages(w, topic.threadId).length === 4 && topicMessages(w, topic.threadId), "album copies");
    const album = copies.slice(1);
    expect(album.every((m) => m.media_group_id && m.media_group_id === album[0].media_group_id)).toBe(true);
    expect(album[0].caption).toBe("one");
  });
});

describe("albums as the first message", () => {
  const albumIn = (w: World, threadId: number, count: number) =>
    waitFor(() => {
      const media = topicMessages(w, threadId).filter((m) => m.photo || m.video);
      return media.length === count && media;
    }, `${count} album copies`);

  it("arrive as one album in the new topic, with the welcome and the card around it", async () => {
    const w = await setUp(`    params: { auto_info: true }`);
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSendsAlbum(w.bot.token, ann.id, [{ photo: true, caption: "one" }, { photo: true }, { video: true }]);
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    const album = await albumIn(w, topic.threadId, 3);
    expect(album[0].media_group_id).toBeDefined();
    expect(album.every((m) => m.media_group_id === album[0].media_group_id)).toBe(true);
    expect(album[0].caption).toBe("one");
    await waitFor(() => botMessagesTo(w, ann.id).find((m) => m.text?.includes("Ann")), "welcome");
    await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text?.startsWith("ℹ️")), "card");
  });

  it("arrive as one album when they reopen a closed dialog", async () => {
    const w = await setUp();
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/close" });
    await waitFor(() => topicNamed(w, "Ann")?.closed, "closed");
    w.emulator.userSendsAlbum(w.bot.token, ann.id, [{ photo: true }, { photo: true }]);
    const album = await albumIn(w, topic.threadId, 2);
    expect(album[0].media_group_id).toBeDefined();
    expect(album[1].media_group_id).toBe(album[0].media_group_id);
  });
});

describe("replies and edits", () => {
  it("maps replies both ways and treats the topic root as no reply", async () => {
    const w = await setUp();
    const ann = w.emulator.createUser({ firstName: "Ann" });
    const first = w.emulator.userSends(w.bot.token, ann.id, { text: "question one" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    const copy = await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text === "question one"), "copy");

    // Operator replies to the copy → the user sees a reply to their original message.
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "answer one", replyToMessageId: copy.message_id });
    const answer = await waitFor(() => botMessagesTo(w, ann.id).find((m) => m.text === "answer one"), "answer");
    expect(answer.reply_to_message?.message_id).toBe(first.message_id);

    // Operator writes without replying (implicit reply to the root): the user sees no reply.
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "plain answer" });
    const plain = await waitFor(() => botMessagesTo(w, ann.id).find((m) => m.text === "plain answer"), "plain");
    expect(plain.reply_to_message).toBeUndefined();

    // User replies to the bot's copy → the topic shows a reply to the operator's original.
    const operatorOriginal = topicMessages(w, topic.threadId).find((m) => m.text === "answer one")!;
    w.emulator.userSends(w.bot.token, ann.id, { text: "follow-up", replyToMessageId: answer.message_id });
    const followUp = await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text === "follow-up"), "follow-up");
    expect(followUp.reply_to_message?.message_id).toBe(operatorOriginal.message_id);
  });

  it("propagates user edits into the topic and operator edits to the user", async () => {
    const w = await setUp();
    const ann = w.emulator.createUser({ firstName: "Ann" });
    const sent = w.emulator.userSends(w.bot.token, ann.id, { text: "teh typo" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text === "teh typo"), "copy");
    w.emulator.userEdits(w.bot.token, ann.id, sent.message_id, { text: "the typo, fixed" });
    await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text === "the typo, fixed"), "edited copy");

    const op = w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "wrnog" });
    await waitFor(() => botMessagesTo(w, ann.id).find((m) => m.text === "wrnog"), "operator copy");
    w.emulator.operatorEdits(w.groupId, w.operator.id, op.message_id, { text: "wrong → right" });
    await waitFor(() => botMessagesTo(w, ann.id).find((m) => m.text === "wrong → right"), "edited operator copy");
  });
});

describe("reactions and protected content", () => {
  it("mirrors reactions both ways", async () => {
    const w = await setUp();
    const ann = w.emulator.createUser({ firstName: "Ann" });
    const original = w.emulator.userSends(w.bot.token, ann.id, { text: "react to me" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    const copy = await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text === "react to me"), "copy");
    const reactions: { chatId?: number; messageId?: number; emojis: string[] }[] = [];
    w.emulator.onChange((e) => {
      if (e.type === "reaction" && e.token === w.bot.token) reactions.push({ chatId: e.chatId, messageId: e.messageId, emojis: (e.data as { new: string[] }).new });
    });

    w.emulator.operatorReacts(w.groupId, w.operator.id, copy.message_id, "👍");
    await waitFor(() => reactions.find((r) => r.chatId === ann.id && r.messageId === original.message_id && r.emojis[0] === "👍"), "operator reaction on the user's original");

    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "answer" });
    const delivered = await waitFor(() => botMessagesTo(w, ann.id).find((m) => m.text === "answer"), "answer");
    const operatorOriginal = topicMessages(w, topic.threadId).find((m) => m.text === "answer")!;
    w.emulator.userReacts(w.bot.token, ann.id, delivered.message_id, "❤");
    await waitFor(() => reactions.find((r) => r.chatId === w.groupId && r.messageId === operatorOriginal.message_id && r.emojis[0] === "❤"), "user reaction on the operator's original");
    w.emulator.userReacts(w.bot.token, ann.id, delivered.message_id, null);
    await waitFor(() => reactions.find((r) => r.chatId === w.groupId && r.messageId === operatorOriginal.message_id && r.emojis.length === 0), "reaction removed");
  });

  it("mirrors a reaction made the moment the message appears, before its delivery is recorded", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    const ann = w.emulator.createUser({ firstName: "Ann" });
    const reactions: { chatId?: number; messageId?: number; emojis: string[] }[] = [];
    // Each reaction is made inside the emulator's own change event for the message: before the
    // Bot API call that produced it has even answered Switchboard.
    w.emulator.onChange((e) => {
      if (e.type === "reaction" && e.token === w.bot.token) reactions.push({ chatId: e.chatId, messageId: e.messageId, emojis: (e.data as { new: string[] }).new });
      if (e.type !== "message") return;
      const text = (e.data as { text?: string }).text;
      if (e.chatId === w.groupId && text === "react to me") w.emulator.operatorReacts(w.groupId, w.operator.id, e.messageId!, "👍");
      if (e.chatId === ann.id && text === "answer") w.emulator.userReacts(w.bot.token, ann.id, e.messageId!, "❤");
    });
    const original = w.emulator.userSends(w.bot.token, ann.id, { text: "react to me" });
    await waitFor(() => reactions.find((r) => r.chatId === ann.id && r.messageId === original.message_id && r.emojis[0] === "👍"), "operator reaction on the user's original");
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    const answer = w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "answer" });
    await waitFor(() => reactions.find((r) => r.chatId === w.groupId && r.messageId === answer.message_id && r.emojis[0] === "❤"), "user reaction on the operator's original");
  });

  it("relays only the text of content-protected messages", async () => {
    const w = await setUp();
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "secret words", protectContent: true });
    w.emulator.userSends(w.bot.token, ann.id, { photo: true, protectContent: true });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    const shown = await waitFor(() => topicMessages(w, topic.threadId).length === 2 && topicMessages(w, topic.threadId), "both shown");
    expect(shown[0].text).toBe("🔒 secret words");
    expect(shown[1].text).toMatch(/protected media/);
    expect(shown.some((m) => "photo" in m)).toBe(false);
  });
});

describe("statuses, close and reopen", () => {
  it("closes with /close, reopens the same topic on the next user message and greets again", async () => {
    const w = await setUp();
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    await waitFor(() => botMessagesTo(w, ann.id).length === 1, "welcome");

    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/hold" });
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/wait" });
    await waitFor(() => topicNamed(w, "Ann")?.name === "🟨 Ann", "🟨 after /wait");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/close" });
    await waitFor(() => w.emulator.topics(w.groupId).find((t) => t.threadId === topic.threadId)?.closed, "closed topic");
    expect(topicNamed(w, "Ann")?.name).toBe("⬛️ Ann");
    expect(botMessagesTo(w, ann.id).map((m) => m.text)).not.toContain("/close");

    w.emulator.userSends(w.bot.token, ann.id, { text: "me again" });
    await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text === "me again"), "relayed into the same topic");
    const reopened = w.emulator.topics(w.groupId).find((t) => t.threadId === topic.threadId)!;
    expect(reopened.closed).toBe(false);
    expect(reopened.name).toBe("🟪 Ann");
    expect(w.emulator.topics(w.groupId).filter((t) => !t.deleted)).toHaveLength(1);
    await waitFor(() => botMessagesTo(w, ann.id).length === 2, "second welcome");
  });

  it("an operator message in a closed topic is delivered and reopens the dialog as 🟨", async () => {
    const w = await setUp();
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/close" });
    await waitFor(() => topicNamed(w, "Ann")?.name === "⬛️ Ann", "closed");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "one more thing" });
    await waitFor(() => botMessagesTo(w, ann.id).find((m) => m.text === "one more thing"), "delivered");
    await waitFor(() => topicNamed(w, "Ann")?.name === "🟨 Ann" && !topicNamed(w, "Ann")?.closed, "reopened 🟨");
  });
});

describe("trouble", () => {
  // Telegram answers a send into a deleted topic "message thread not found" or, for some sends,
  // TOPIC_DELETED: both are a lost topic.
  it.each([
    { answer: undefined, name: "opens a new topic when the old one was deleted, says so, and loses nothing" },
    { answer: "topic-deleted" as const, name: "treats TOPIC_DELETED like a lost topic: a new topic, nothing lost" },
  ])("$name", async ({ answer }) => {
    const w = await setUp();
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "first" });
    const old = await waitFor(() => topicNamed(w, "Ann"), "topic");
    await waitFor(() => topicMessages(w, old.threadId).length === 1, "copy");
    w.emulator.deleteTopic(w.groupId, old.threadId, ...(answer ? [{ answer }] : []));

    w.emulator.userSends(w.bot.token, ann.id, { text: "after deletion" });
    const fresh = await waitFor(() => topicNamed(w, "Ann"), "new topic");
    expect(fresh.threadId).not.toBe(old.threadId);
    const messages = await waitFor(() => topicMessages(w, fresh.threadId).length >= 2 && topicMessages(w, fresh.threadId), "messages in new topic");
    expect(messages[0].text).toContain("previous topic");
    expect(messages.map((m) => m.text)).toContain("after deletion");

    // Operators answer from the new topic.
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: fresh.threadId, text: "found you" });
    await waitFor(() => botMessagesTo(w, ann.id).find((m) => m.text === "found you"), "answer from new topic");
  });

  it("tells operators when the user blocks the bot, and when a delivery fails with 403", async () => {
    const w = await setUp();
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    w.emulator.userBlocksBot(w.bot.token, ann.id);
    await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.from?.is_bot && /blocked the bot/.test(m.text ?? "")), "block notice");

    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "are you there?" });
    await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.from?.is_bot && /Not delivered/.test(m.text ?? "")), "403 notice");

    w.emulator.userUnblocksBot(w.bot.token, ann.id);
    await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.from?.is_bot && /unblocked/.test(m.text ?? "")), "unblock notice");
  });

  // "chat not found" names no chat: the user's chat missing must not be taken for the operators'
  // group missing (retried every minute, forever, with a misleading log line).
  it("tells operators when the user's chat is gone (chat not found) and retries nothing", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w, { testClock: true });
    const logFrom = logLines.length;
    const { user: ann, topic } = await firstContact(w, "Ann", "hi");
    const stats = running.bots[0].delivery.stats;
    const botSays = (pattern: RegExp) => topicMessages(w, topic.threadId).find((m) => m.from?.is_bot && pattern.test(m.text ?? ""));

    // A message still on its way when the account disappears: its copy finds no chat to copy from.
    w.emulator.injectFault({ method: "copyMessage", kind: "500", times: 1 });
    w.emulator.userSends(w.bot.token, ann.id, { text: "last words" });
    await waitFor(() => stats.retried === 1, "the copy postponed by the 500");
    w.emulator.deleteUser(ann.id);
    await advanceUntil(running, () => botSays(/could not be shown here: the user's chat no longer exists/), "notice for the lost copy");

    // An answer to them: the conversation learns it, as for a deactivated account.
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "are you there?" });
    await advanceUntil(running, () => botSays(/Telegram no longer knows the user's chat/), "notice for the answer");

    // Nothing is retried, however long the clock runs; the group is never blamed.
    for (let i = 0; i < 5; i++) await running.run(TestClock.adjust(60_000));
    expect(stats.retried).toBe(1);
    expect(logLines.slice(logFrom).filter((l) => l.includes("operators' group"))).toEqual([]);
    expect(w.emulator.messages(ann.id).filter((m) => m.from?.is_bot && m.text === "are you there?")).toEqual([]);
  });
});
