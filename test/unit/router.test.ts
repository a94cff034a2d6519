/** The router never throws and drops what must not be relayed. */
import type { Update } from "@grammyjs/types";
import { describe, expect, it } from "vitest";
import { parseCommand, route, type RouterContext } from "../../src/pipeline/router.ts";

const group = -1001000000001;
const ctx: RouterContext = { botId: 1, botUsername: "acme_bot", groupId: group, chatOfTopic: async (t) => (t === 10 ? 555 : undefined), chatOfTopicMessage: async (m) => (m === 30 ? 555 : undefined) };
const from = { id: 9, is_bot: false, first_name: "Olga" };
const topicMsg = (extra: object): Update => ({
  update_id: 1,
  message: { message_id: 20, date: 0, chat: { id: group, type: "supergroup", title: "ops" }, from, message_thread_id: 10, is_topic_message: true, ...extra } as never,
});

describe("router", () => {
  it("routes a private message to the user's conversation", async () => {
    const r = await route({ update_id: 1, message: { message_id: 1, date: 0, chat: { id: 555, type: "private", first_name: "A" }, from: { id: 555, is_bot: false, first_name: "A" }, text: "hi" } }, ctx);
    expect(r).toMatchObject({ kind: "conversation", chatId: 555, event: { type: "user.message" } });
  });

  it("treats the implicit reply to the topic root as no reply", async () => {
    const r = await route(topicMsg({ text: "x", reply_to_message: { message_id: 10, date: 0, chat: { id: group, type: "supergroup" } } }), ctx);
    expect(r).toMatchObject({ kind: "conversation", event: { type: "operator.message" } });
    expect((r as { event: { replyToTopicMessageId?: number } }).event.replyToTopicMessageId).toBeUndefined();
    const real = await route(topicMsg({ text: "x", reply_to_message: { message_id: 15, date: 0, chat: { id: group, type: "supergroup" } } }), ctx);
    expect((real as { event: { replyToTopicMessageId?: number } }).event.replyToTopicMessageId).toBe(15);
  });

  it("drops comments, General, foreign topics, other chats, bots and service messages", async () => {
    expect((await route(topicMsg({ text: "/ note" }), ctx)).kind).toBe("drop");
    expect((await route(topicMsg({ text: "x", message_thread_id: undefined, is_topic_message: undefined }), ctx)).kind).toBe("drop");
    expect((await route(topicMsg({ text: "x", message_thread_id: 11 }), ctx)).kind).toBe("drop");
    expect((await route(topicMsg({ text: "x", chat: { id: -100777, type: "channel" } }), ctx)).kind).toBe("drop");
    expect((await route(topicMsg({ text: "x", from: { id: 3, is_bot: true, first_name: "b" } }), ctx)).kind).toBe("drop");
    expect((await route(topicMsg({ forum_topic_created: { name: "t", icon_color: 1 } }), ctx)).kind).toBe("drop");
    expect((await route({ update_id: 5 } as Update, ctx)).kind).toBe("drop");
  });

  it("tells of every operators' group message it routes, relayed or not (a reaction on it needs no copy in flight)", async () => {
    const seen: number[] = [];
    const watching: RouterContext = { ...ctx, sawGroupMessage: (id) => void seen.push(id) };
    await route(topicMsg({ text: "/ note" }), watching); // a comment: dropped, but it exists
    await route(topicMsg({ message_id: 21, text: "x", message_thread_id: undefined, is_topic_message: undefined }), watching); // General
    await route({ update_id: 1, message: { message_id: 1, date: 0, chat: { id: 555, type: "private", first_name: "A" }, from: { id: 555, is_bot: false, first_name: "A" }, text: "hi" } }, watching);
    expect(seen).toEqual([20, 21]);
  });

  it("routes a group's and a channel's messages to the chat's own conversation, leaving out bots, our own posts and service messages", async () => {
    const chat = { id: -100777, type: "supergroup", title: "Clients", username: "clients" };
    const inGroup = (extra: object): Update => ({ update_id: 2, message: { message_id: 5, date: 0, chat, from, ...extra } as never });
    expect(await route(inGroup({ text: "hello" }), ctx)).toMatchObject({
      kind: "conversation", chatId: -100777,
      event: { type: "user.message" },
      user: { id: -100777, firstName: "Clients", username: "clients", chatKind: "group" },
    });
    // Forwards cannot be edited: a group's edits stay in the group; a channel's copied posts follow theirs.
    expect((await route({ update_id: 3, edited_message: { message_id: 5, date: 0, chat, from, text: "hello!" } } as never, ctx)).kind).toBe("drop");
    expect((await route(inGroup({ text: "x", from: { id: 3, is_bot: true, first_name: "other bot" } }), ctx)).kind).toBe("drop");
    expect((await route(inGroup({ text: "x", via_bot: { id: 1, is_bot: true, first_name: "us" } }), ctx)).kind).toBe("drop");
    expect((await route(inGroup({ new_chat_members: [from] }), ctx)).kind).toBe("drop");
    expect((await route(inGroup({ text: "x", is_automatic_forward: true }), ctx)).kind).toBe("drop");
    const channel = { id: -100888, type: "channel", title: "News" };
    expect(await route({ update_id: 4, channel_post: { message_id: 7, date: 0, chat: channel, sender_chat: channel, text: "post" } } as never, ctx)).toMatchObject({
      kind: "conversation", chatId: -100888, user: { id: -100888, firstName: "News", chatKind: "channel" },
    });
    expect(await route({ update_id: 6, edited_channel_post: { message_id: 7, date: 0, chat: channel, sender_chat: channel, text: "post!" } } as never, ctx)).toMatchObject({ kind: "conversation", event: { type: "user.edited" } });
    expect((await route({ update_id: 5, channel_post: { message_id: 8, date: 0, chat: channel, sender_chat: channel, pinned_message: {} } } as never, ctx)).kind).toBe("drop");
  });

  it("routes the bot's own forum_topic_created (a topic it created) and drops anyone else's", async () => {
    const created = (by: object) => topicMsg({ message_id: 40, message_thread_id: 40, from: by, forum_topic_created: { name: "🟪 Ann", icon_color: 1 } });
    expect(await route(created({ id: 1, is_bot: true, first_name: "acme" }), ctx)).toEqual({ kind: "topic-created", topicId: 40, name: "🟪 Ann" });
    expect((await route(created(from), ctx)).kind).toBe("drop");
    expect((await route(created({ id: 3, is_bot: true, first_name: "other bot" }), ctx)).kind).toBe("drop");
  });

  it("parses commands, including ones addressed to this bot", () => {
    expect(parseCommand("/close", "acme_bot")).toEqual({ name: "close", args: "" });
    expect(parseCommand("/Send@Acme_Bot promo 1", "acme_bot")).toEqual({ name: "send", args: "promo 1" });
    expect(parseCommand("/close@other_bot", "acme_bot")).toBeUndefined();
  });

  it("routes commands and blocks", async () => {
    expect(await route(topicMsg({ text: "/close" }), ctx)).toMatchObject({ event: { type: "operator.command", command: { name: "close" } } });
    const blocked = await route({
      update_id: 2,
      my_chat_member: { chat: { id: 555, type: "private", first_name: "A" }, from, date: 0, old_chat_member: { status: "member", user: from }, new_chat_member: { status: "kicked", user: from, until_date: 0 } },
    } as Update, ctx);
    expect(blocked).toMatchObject({ kind: "conversation", chatId: 555, event: { type: "user.blocked" } });
  });

  it("routes reactions: newest emoji from users and operators, none from bots or unknown messages", async () => {
    const reaction = (chat: object, messageId: number, emojis: string[], user: object = from) => ({
      update_id: 3,
      message_reaction: { chat, message_id: messageId, date: 0, user, old_reaction: [], new_reaction: emojis.map((emoji) => ({ type: "emoji", emoji })) },
    }) as unknown as Update;
    expect(await route(reaction({ id: 555, type: "private" }, 4, ["👍", "🔥"]), ctx)).toMatchObject({ chatId: 555, event: { type: "user.reacted", messageId: 4, emoji: "🔥" } });
    expect(await route(reaction({ id: group, type: "supergroup" }, 30, []), ctx)).toMatchObject({ chatId: 555, event: { type: "operator.reacted", messageId: 30, emoji: null } });
    expect((await route(reaction({ id: group, type: "supergroup" }, 31, ["👍"]), ctx)).kind).toBe("drop");
    expect((await route(reaction({ id: 555, type: "private" }, 4, ["👍"], { id: 2, is_bot: true, first_name: "b" }), ctx)).kind).toBe("drop");
  });
});
