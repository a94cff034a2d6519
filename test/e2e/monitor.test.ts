/**
 * Monitored groups and channels (monitor_groups, monitor_channels, monitor_private,
 * groups_keywords, leave_closed by kind of chat, hide_info: [title]), end to end: people write in a
 * group the bot is in, an admin posts in a channel the bot administers, operators answer from the
 * chat's topic.
 */
import { afterEach, describe, expect, it } from "vitest";
import { aliasOf } from "../../plugins/hide-info/alias.ts";
import { botMessagesTo, closeAll, createWorld, startSwitchboard, topicMessages, topicNamed, waitFor, type World } from "../support/world.ts";

afterEach(closeAll);

/** A group "Clients" with Bob and Carol, the bot added by Bob. */
function clientsGroup(w: World, o: { username?: string } = {}) {
  const bob = w.emulator.createUser({ firstName: "Bob" });
  const carol = w.emulator.createUser({ firstName: "Carol" });
  const chatId = w.emulator.createChat({ type: "group", title: "Clients", members: [bob.id, carol.id], ...o });
  w.emulator.addBotToChat(chatId, w.bot.token, bob.id);
  return { bob, carol, chatId };
}

/** The bot's messages in a group or channel. */
const botPostsIn = (w: World, chatId: number) => w.emulator.messages(chatId).filter((m) => m.viaBotToken === w.bot.token);

/** A private user's first message, as a marker: once its topic holds it, earlier updates were stepped. */
async function privateMarker(w: World, name: string) {
  const user = w.emulator.createUser({ firstName: name });
  w.emulator.userSends(w.bot.token, user.id, { text: `marker from ${name}` });
  const topic = await waitFor(() => topicNamed(w, name), `topic of ${name}`);
  await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === `marker from ${name}`), "marker copy");
  return { user, topic };
}

describe("monitor_groups", () => {
  it("relays a group into its own topic with who wrote each message, answers into the group, threads replies, and leaves out service messages", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w, { extra: `    params: { monitor_groups: true }` });
    const { bob, carol, chatId } = clientsGroup(w, { username: "clients_chat" });
    // Joining members and bot accounts are never relayed (Telegram shows bots no other bot's messages).
    const dan = w.emulator.createUser({ firstName: "Dan" });
    w.emulator.userJoinsGroup(chatId, dan.id);
    const helper = w.emulator.createUser({ firstName: "Helper", isBot: true });
    w.emulator.userWritesInGroup(chatId, helper.id, { text: "beep from a bot" });
    w.emulator.userWritesInGroup(chatId, bob.id, { text: "hello from Bob" });
    const fromCarol = w.emulator.userWritesInGroup(chatId, carol.id, { text: "Carol here, my order is late" });

    const topic = await waitFor(() => topicNamed(w, "Clients"), "the group's topic");
    expect(topic.name).toBe("🟪 Clients");
    const relayed = await waitFor(() => {
      const ms = topicMessages(w, topic.threadId);
      return ms.length >= 2 && ms;
    }, "both group messages in the topic");
    // Forwards: the header tells operators who wrote each message.
    expect(relayed.map((m) => [m.text, (m.forward_origin as { sender_user?: { first_name: string } } | undefined)?.sender_user?.first_name])).toEqual([
      ["hello from Bob", "Bob"],
      ["Carol here, my order is late", "Carol"],
    ]);
    // No welcome into a watched group, and the conversation is the chat's.
    expect(botPostsIn(w, chatId)).toHaveLength(0);
    expect((await running.bots[0].conversation(chatId))?.state).toBe("topic-open");

    // An operator replies in the topic to Carol's message: the answer replies to it in the group.
    const carolInTopic = relayed[1];
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, replyToMessageId: carolInTopic.message_id, text: "Sorry Carol, it ships today" });
    const answer = await waitFor(() => botPostsIn(w, chatId).find((m) => m.text === "Sorry Carol, it ships today"), "the answer in the group");
    expect(answer.reply_to_message?.message_id).toBe(fromCarol.message_id);
    await waitFor(() => topicNamed(w, "Clients")?.name === "🟨 Clients", "🟨 after the answer");
    // A plain answer goes into the group too.
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "Anything else?" });
    await waitFor(() => botPostsIn(w, chatId).some((m) => m.text === "Anything else?" && !m.reply_to_message), "plain answer");

    // The card: the chat's type, member count and link.
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/info" });
    const card = await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text?.startsWith("ℹ️")), "info card");
    expect(card.text).toContain("ℹ️ Clients");
    expect(card.text).toContain("Type: group");
    expect(card.text).toContain("Link: https://t.me/clients_chat");
    // Bob, Carol, Dan, the helper bot account and our bot.
    expect(card.text).toContain("Members: 5");
    expect(topicMessages(w, topic.threadId).map((m) => m.text)).not.toContain("beep from a bot");
  });

  it("forwards a group member's album as one album", async () => {
    const w = await createWorld();
    await startSwitchboard(w, { extra: `    params: { monitor_groups: true }` });
    const { bob, chatId } = clientsGroup(w);
    w.emulator.userWritesAlbumInGroup(chatId, bob.id, [{ photo: true, caption: "the damage" }, { photo: true }, { photo: true }]);
    const topic = await waitFor(() => topicNamed(w, "Clients"), "the group's topic");
    const album = await waitFor(() => {
      const ms = topicMessages(w, topic.threadId);
      return ms.length === 3 && ms;
    }, "three photos in the topic");
    expect(new Set(album.map((m) => m.media_group_id)).size).toBe(1);
    expect(album[0].media_group_id).toBeDefined();
    expect(album.map((m) => (m.forward_origin as { sender_user?: { first_name: string } } | undefined)?.sender_user?.first_name)).toEqual(["Bob", "Bob", "Bob"]);
    expect(w.emulator.stats().calls.forwardMessages).toBe(1);
  });

  it("groups_keywords: a group's topic opens only on a matching message; earlier chatter is not relayed", async () => {
    const w = await createWorld();
    await startSwitchboard(w, { extra: `    params: { monitor_groups: true, groups_keywords: ["urgent", ["server", "down"]] }` });
    const { bob, carol, chatId } = clientsGroup(w);
    w.emulator.userWritesInGroup(chatId, bob.id, { text: "just chatting" });
    await privateMarker(w, "Ann");
    expect(topicNamed(w, "Clients")).toBeUndefined();

    w.emulator.userWritesInGroup(chatId, carol.id, { text: "the SERVER is DOWN again" });
    const topic = await waitFor(() => topicNamed(w, "Clients"), "the group's topic");
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "the SERVER is DOWN again"), "the matching message");
    // Once open, everything is relayed.
    w.emulator.userWritesInGroup(chatId, bob.id, { text: "same here" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "same here"), "the next message");
    expect(topicMessages(w, topic.threadId).map((m) => m.text)).not.toContain("just chatting");
  });

  it("leave_closed: [group] keeps a group's dialog closed while a private dialog reopens", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w, { extra: `    params: { monitor_groups: true, leave_closed: ["group"] }` });
    const { bob, chatId } = clientsGroup(w);
    w.emulator.userWritesInGroup(chatId, bob.id, { text: "first" });
    const topic = await waitFor(() => topicNamed(w, "Clients")?.closed && topicNamed(w, "Clients"), "the group's topic, created closed");
    expect(topic.name).toBe("⬛️ Clients");
    w.emulator.userWritesInGroup(chatId, bob.id, { text: "second" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "second"), "relayed into the closed topic");
    await waitFor(() => topicNamed(w, "Clients")?.closed, "still closed");
    expect((await running.bots[0].conversation(chatId))?.state).toBe("closed");

    // A private dialog is not covered: it opens, and reopens after /close.
    const { user: ann, topic: annTopic } = await privateMarker(w, "Ann");
    expect(annTopic.closed).toBe(false);
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: annTopic.threadId, text: "/close" });
    await waitFor(() => topicNamed(w, "Ann")?.closed, "Ann's dialog closed");
    w.emulator.userSends(w.bot.token, ann.id, { text: "one more thing" });
    await waitFor(() => topicNamed(w, "Ann")?.name === "🟪 Ann" && !topicNamed(w, "Ann")?.closed, "Ann's dialog reopened");
  });

  it("hide_info: [title] hides the group's title behind a stable alias", async () => {
    const w = await createWorld();
    await startSwitchboard(w, { extra: `    params: { monitor_groups: true, hide_info: [title] }` });
    const { bob, chatId } = clientsGroup(w);
    w.emulator.userWritesInGroup(chatId, bob.id, { text: "hello" });
    const alias = aliasOf("acme", chatId);
    const topic = await waitFor(() => topicNamed(w, alias), "the group's topic under an alias");
    expect(topic.name).toBe(`🟪 ${alias}`);
    expect(w.emulator.topics(w.groupId).some((t) => t.name.includes("Clients"))).toBe(false);
  });
  it("hide_info: [name] copies a group's messages (no forward header names the sender) and keeps the group's title", async () => {
    const w = await createWorld();
    await startSwitchboard(w, { extra: `    params: { monitor_groups: true, hide_info: [name] }` });
    const { bob, chatId } = clientsGroup(w);
    w.emulator.userWritesInGroup(chatId, bob.id, { text: "hello" });
    const topic = await waitFor(() => topicNamed(w, "Clients"), "the group's topic");
    const copy = await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text === "hello"), "the copy");
    expect(copy.forward_origin).toBeUndefined();
    expect(copy.copiedFrom).toEqual({ chatId, messageId: expect.any(Number) });
  });

  it("ignore_chats: a listed group is never monitored", async () => {
    const w = await createWorld();
    const { bob, chatId: ignored } = clientsGroup(w);
    const otherId = w.emulator.createChat({ type: "group", title: "Partners", members: [bob.id] });
    w.emulator.addBotToChat(otherId, w.bot.token, bob.id);
    const running = await startSwitchboard(w, { extra: `    params: { monitor_groups: true, ignore_chats: [${ignored}] }` });
    w.emulator.userWritesInGroup(ignored, bob.id, { text: "in the ignored group" });
    w.emulator.userWritesInGroup(otherId, bob.id, { text: "in the other group" });
    const topic = await waitFor(() => topicNamed(w, "Partners"), "the other group's topic");
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "in the other group"), "its message");
    expect(topicNamed(w, "Clients")).toBeUndefined();
    expect(await running.bots[0].conversation(ignored)).toBeUndefined();
  });
});

describe("monitor_channels", () => {
  it("relays a channel's posts into its topic and posts operators' answers into the channel", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w, { extra: `    params: { monitor_channels: true }` });
    const admin = w.emulator.createUser({ firstName: "Eve" });
    const channelId = w.emulator.createChat({ type: "channel", title: "Acme News", members: [admin.id] });
    w.emulator.addBotToChat(channelId, w.bot.token, admin.id);
    w.emulator.channelPosts(channelId, admin.id, { text: "Release 2.0 is out" });

    const topic = await waitFor(() => topicNamed(w, "Acme News"), "the channel's topic");
    expect(topic.name).toBe("🟪 Acme News");
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "Release 2.0 is out"), "the post in the topic");
    expect(((await running.bots[0].conversation(channelId))?.snapshot as { context: { user: { chatKind?: string } } }).context.user.chatKind).toBe("channel");

    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "Changelog: fixes" });
    await waitFor(() => botPostsIn(w, channelId).some((m) => m.text === "Changelog: fixes"), "the answer in the channel");
    await waitFor(() => topicNamed(w, "Acme News")?.name === "🟨 Acme News", "🟨 after the answer");
  });

  it("is off by default: with only monitor_groups, a channel's posts are not relayed while a group's messages are", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w, { extra: `    params: { monitor_groups: true }` });
    const admin = w.emulator.createUser({ firstName: "Eve" });
    const channelId = w.emulator.createChat({ type: "channel", title: "Acme News", members: [admin.id] });
    w.emulator.addBotToChat(channelId, w.bot.token, admin.id);
    w.emulator.channelPosts(channelId, admin.id, { text: "Release 2.0 is out" });
    // The channel post comes first in the update stream: once the group's topic holds its message,
    // the post was stepped (and refused).
    const { bob, chatId } = clientsGroup(w);
    w.emulator.userWritesInGroup(chatId, bob.id, { text: "group message" });
    const topic = await waitFor(() => topicNamed(w, "Clients"), "the group's topic");
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "group message"), "the group message");
    expect(topicNamed(w, "Acme News")).toBeUndefined();
    expect(await running.bots[0].conversation(channelId)).toBeUndefined();
  });
});

describe("monitor_private", () => {
  it("false: private chats are not relayed while a monitored group is", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w, { extra: `    params: { monitor_private: false, monitor_groups: true }` });
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hello?" });
    const { bob, chatId } = clientsGroup(w);
    w.emulator.userWritesInGroup(chatId, bob.id, { text: "group message" });
    const topic = await waitFor(() => topicNamed(w, "Clients"), "the group's topic");
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "group message"), "the group message");
    // Ann wrote first: her message was stepped (and refused) before the group's.
    expect(await running.bots[0].conversation(ann.id)).toBeUndefined();
    expect(topicNamed(w, "Ann")).toBeUndefined();
    expect(botMessagesTo(w, ann.id)).toHaveLength(0);
  });
});
