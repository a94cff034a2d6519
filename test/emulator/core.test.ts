import { afterEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/sandbox/emulator/mod.ts";
import { api, ok, setup, sleep } from "./helpers.ts";

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

describe("emulator core", () => {
  it("answers getMe and rejects unknown tokens and methods", async () => {
    const s = await setup();
    emu = s.emu;
    const me = await ok(emu, s.token, "getMe");
    expect(me).toMatchObject({ id: s.bot.id, is_bot: true, username: "support_bot" });
    expect(await api(emu, "123:nope", "getMe")).toEqual({ ok: false, error_code: 401, description: "Unauthorized" });
    expect(await api(emu, s.token, "fooBar")).toEqual({ ok: false, error_code: 404, description: "Not Found" });
    // method names are case-insensitive, GET with a query string works
    const res = await fetch(`${emu.url}/bot${s.token}/getme?x=1`);
    expect((await res.json()).result.id).toBe(s.bot.id);
  });

  it("long poll returns as soon as a user writes; offset confirms", async () => {
    const s = await setup();
    emu = s.emu;
    const t0 = Date.now();
    const poll = api(emu, s.token, "getUpdates", { timeout: 10 });
    await sleep(100);
    const sent = emu.userSends(s.token, s.user.id, { text: "hello" });
    const a = await poll;
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(a.result).toHaveLength(1);
    const u = a.result[0];
    expect(u.message).toMatchObject({ message_id: sent.message_id, text: "hello", chat: { id: s.user.id, type: "private", first_name: "Alice" }, from: { id: s.user.id, is_bot: false } });
    // not confirmed yet: comes again
    const again = await ok(emu, s.token, "getUpdates", { timeout: 0 });
    expect(again.map((x: { update_id: number }) => x.update_id)).toEqual([u.update_id]);
    // confirmed by a higher offset
    expect(await ok(emu, s.token, "getUpdates", { offset: u.update_id + 1, timeout: 0 })).toEqual([]);
    expect(emu.updatesFor(s.token)).toHaveLength(1);
  });

  it("long poll times out with an empty list", async () => {
    const s = await setup();
    emu = s.emu;
    const t0 = Date.now();
    expect(await ok(emu, s.token, "getUpdates", { timeout: 1 })).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it("terminates the older of two concurrent pollers with 409", async () => {
    const s = await setup();
    emu = s.emu;
    const first = api(emu, s.token, "getUpdates", { timeout: 5 });
    await sleep(100);
    const second = api(emu, s.token, "getUpdates", { timeout: 5 });
    const a = await first;
    expect(a).toEqual({
      ok: false,
      error_code: 409,
      description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    });
    emu.userSends(s.token, s.user.id, { text: "x" });
    expect((await second).result).toHaveLength(1);
  });

  it("sends messages to users and into topics; copyMessage with implicit root reply", async () => {
    const s = await setup();
    emu = s.emu;
    const m1 = emu.userSends(s.token, s.user.id, { text: "I need help", entities: [{ type: "bold", offset: 0, length: 1 }] });
    const topic = await ok(emu, s.token, "createForumTopic", { chat_id: s.group, name: "Alice Smith", icon_color: 7322096 });
    expect(topic).toEqual({ message_thread_id: expect.any(Number), name: "Alice Smith", icon_color: 7322096 });
    const thread = topic.message_thread_id;
    expect(emu.topics(s.group)).toEqual([{ threadId: thread, name: "Alice Smith", iconColor: 7322096, closed: false, deleted: false }]);
    // the root service message has id == thread id and reaches the bot itself
    const root = emu.messages(s.group, { threadId: thread })[0];
    expect(root).toMatchObject({ message_id: thread, message_thread_id: thread, forum_topic_created: { name: "Alice Smith" } });
    const ups = await ok(emu, s.token, "getUpdates", { timeout: 0 });
    expect(ups.map((u: { message?: { forum_topic_created?: unknown } }) => !!u.message?.forum_topic_created)).toEqual([false, true]);

    const copy = await ok(emu, s.token, "copyMessage", { chat_id: s.group, from_chat_id: s.user.id, message_id: m1.message_id, message_thread_id: thread });
    expect(Object.keys(copy)).toEqual(["message_id"]);
    const stored = emu.messages(s.group, { threadId: thread }).at(-1)!;
    expect(stored).toMatchObject({
      message_id: copy.message_id,
      message_thread_id: thread,
      is_topic_message: true,
      text: "I need help",
      entities: [{ type: "bold", offset: 0, length: 1 }],
      copiedFrom: { chatId: s.user.id, messageId: m1.message_id },
      viaBotToken: s.token,
      from: { id: s.bot.id, is_bot: true },
      reply_to_message: { message_id: thread, forum_topic_created: { name: "Alice Smith" } },
    });
    // the bot does not see its own copy
    const ids = ups.at(-1).update_id + 1;
    expect(await ok(emu, s.token, "getUpdates", { offset: ids, timeout: 0 })).toEqual([]);

    // operator answers in the topic: update with implicit reply to the root
    const op = emu.operatorPosts(s.group, s.operator.id, { text: "Hi Alice", threadId: thread });
    const [opUpdate] = await ok(emu, s.token, "getUpdates", { offset: ids, timeout: 0 });
    expect(opUpdate.message).toMatchObject({ message_id: op.message_id, message_thread_id: thread, is_topic_message: true, reply_to_message: { message_id: thread } });
    // a real reply carries the replied message
    const op2 = emu.operatorPosts(s.group, s.operator.id, { text: "see above", threadId: thread, replyToMessageId: copy.message_id });
    expect(op2.reply_to_message).toMatchObject({ message_id: copy.message_id, text: "I need help" });
    expect(op2.reply_to_message?.reply_to_message).toBeUndefined();
    // General topic: no thread id
    const gen = emu.operatorPosts(s.group, s.operator.id, { text: "general" });
    expect(gen.message_thread_id).toBeUndefined();
    expect(gen.is_topic_message).toBeUndefined();
    expect(emu.messages(s.group, { threadId: "general" }).map((m) => m.text)).toEqual(["general"]);

    // the bot relays to the user with sendMessage and a reply
    const sent = await ok(emu, s.token, "sendMessage", { chat_id: s.user.id, text: "Hi Alice", reply_parameters: { message_id: m1.message_id } });
    expect(sent).toMatchObject({ chat: { id: s.user.id, type: "private" }, text: "Hi Alice", from: { id: s.bot.id }, reply_to_message: { message_id: m1.message_id } });
    expect(sent.message_id).toBe(m1.message_id + 1);
    expect(emu.messages(s.user.id).map((m) => m.text)).toEqual(["I need help", "Hi Alice"]);
  });

  it("topic error texts", async () => {
    const s = await setup();
    emu = s.emu;
    const t = (await ok(emu, s.token, "createForumTopic", { chat_id: s.group, name: "T" })).message_thread_id;
    const send = (p: Record<string, unknown>) => api(emu!, s.token, "sendMessage", { chat_id: s.group, text: "x", ...p });
    expect(await send({ message_thread_id: 1 })).toMatchObject({ error_code: 400, description: "Bad Request: message thread not found" });
    expect(await send({ message_thread_id: 9999 })).toMatchObject({ description: "Bad Request: message thread not found" });
    expect(await ok(emu, s.token, "closeForumTopic", { chat_id: s.group, message_thread_id: t })).toBe(true);
    expect(emu.topics(s.group)[0].closed).toBe(true);
    expect(await send({ message_thread_id: t })).toMatchObject({ error_code: 400, description: "Bad Request: TOPIC_CLOSED" });
    expect(await api(emu, s.token, "closeForumTopic", { chat_id: s.group, message_thread_id: t })).toMatchObject({ description: "Bad Request: TOPIC_NOT_MODIFIED" });
    // operators may still post in a closed topic
    emu.operatorPosts(s.group, s.operator.id, { text: "still here", threadId: t });
    expect(await ok(emu, s.token, "reopenForumTopic", { chat_id: s.group, message_thread_id: t })).toBe(true);
    expect((await send({ message_thread_id: t })).ok).toBe(true);
    expect(await ok(emu, s.token, "editForumTopic", { chat_id: s.group, message_thread_id: t, name: "T2" })).toBe(true);
    expect(emu.topics(s.group)[0].name).toBe("T2");
    const kinds = emu.messages(s.group, { threadId: t }).map((m) => Object.keys(m).find((k) => k.startsWith("forum_topic_")) ?? m.text);
    expect(kinds).toEqual(["forum_topic_created", "forum_topic_closed", "still here", "forum_topic_reopened", "x", "forum_topic_edited"]);
    // the bot got every service message as an update
    const ups = emu.updatesFor(s.token).filter((u) => Object.keys(u.message ?? {}).some((k) => k.startsWith("forum_topic_")));
    expect(ups).toHaveLength(4);
    expect(await api(emu, s.token, "createForumTopic", { chat_id: s.group, name: "bad", icon_color: 123 })).toMatchObject({ error_code: 400 });
    expect(await api(emu, s.token, "createForumTopic", { chat_id: s.group, name: "x".repeat(129) })).toMatchObject({ error_code: 400 });
    expect(await api(emu, s.token, "createForumTopic", { chat_id: s.user.id, name: "x" })).toMatchObject({ error_code: 403 });
    expect(await api(emu, s.token, "sendMessage", { chat_id: -100999, text: "x" })).toMatchObject({ error_code: 400, description: "Bad Request: chat not found" });
    // deletion: topic and messages vanish
    emu.deleteTopic(s.group, t);
    expect(emu.topics(s.group)[0].deleted).toBe(true);
    expect(emu.messages(s.group, { threadId: t })).toEqual([]);
    expect(await send({ message_thread_id: t })).toMatchObject({ description: "Bad Request: message thread not found" });
    const t2 = (await ok(emu, s.token, "createForumTopic", { chat_id: s.group, name: "T3" })).message_thread_id;
    expect(await ok(emu, s.token, "deleteForumTopic", { chat_id: s.group, message_thread_id: t2 })).toBe(true);
    // Telegram answers some sends into a deleted topic with TOPIC_DELETED instead; tests choose.
    const t3 = (await ok(emu, s.token, "createForumTopic", { chat_id: s.group, name: "T4" })).message_thread_id;
    emu.deleteTopic(s.group, t3, { answer: "topic-deleted" });
    expect(await send({ message_thread_id: t3 })).toMatchObject({ error_code: 400, description: "Bad Request: TOPIC_DELETED" });
    expect(await api(emu, s.token, "copyMessage", { chat_id: s.group, from_chat_id: s.group, message_id: t2 })).toMatchObject({ description: "Bad Request: message to copy not found" });
  });
});
