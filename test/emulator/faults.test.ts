/** Fault injection, rate-limit enforcement, and the control API over HTTP. */
import { afterEach, describe, expect, it } from "vitest";
import type { Emulator, WorldEvent } from "../../src/sandbox/emulator/mod.ts";
import { api, ok, setup, sleep } from "./helpers.ts";

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

describe("faults", () => {
  it("429/500/502 answer without applying the call", async () => {
    const s = await setup();
    emu = s.emu;
    emu.userSends(s.token, s.user.id, { text: "hi" });
    emu.injectFault({ method: "sendMessage", kind: "429", retryAfter: 7 });
    emu.injectFault({ method: "sendMessage", kind: "500" });
    emu.injectFault({ method: "sendMessage", kind: "502" });
    const send = () => api(emu!, s.token, "sendMessage", { chat_id: s.user.id, text: "out" });
    expect(await send()).toEqual({ ok: false, error_code: 429, description: "Too Many Requests: retry after 7", parameters: { retry_after: 7 } });
    expect(await send()).toEqual({ ok: false, error_code: 500, description: "Internal Server Error" });
    expect(await send()).toEqual({ ok: false, error_code: 502, description: "Bad Gateway" });
    expect(emu.messages(s.user.id).map((m) => m.text)).toEqual(["hi"]);
    expect((await send()).ok).toBe(true);
    expect(emu.stats()).toMatchObject({ faultsInjected: 3, calls: { sendMessage: 4 } });
  });

  it("drop-before cuts the connection without applying; drop-after applies then cuts", async () => {
    const s = await setup();
    emu = s.emu;
    emu.userSends(s.token, s.user.id, { text: "hi" });
    emu.injectFault({ method: "sendMessage", kind: "drop-before" });
    await expect(api(emu, s.token, "sendMessage", { chat_id: s.user.id, text: "lost" })).rejects.toThrow();
    expect(emu.messages(s.user.id).map((m) => m.text)).toEqual(["hi"]);
    emu.injectFault({ method: "sendMessage", kind: "drop-after" });
    await expect(api(emu, s.token, "sendMessage", { chat_id: s.user.id, text: "in doubt" })).rejects.toThrow();
    expect(emu.messages(s.user.id).map((m) => m.text)).toEqual(["hi", "in doubt"]);
  });

  it("a createForumTopic whose answer is lost still made the topic, and its service message reaches the bot", async () => {
    const s = await setup();
    emu = s.emu;
    emu.injectFault({ method: "createForumTopic", kind: "drop-after" });
    await expect(api(emu, s.token, "createForumTopic", { chat_id: s.group, name: "🟪 Alice" })).rejects.toThrow();
    const [topic] = emu.topics(s.group);
    expect(topic).toMatchObject({ name: "🟪 Alice", deleted: false });
    const updates = await ok(emu, s.token, "getUpdates", { timeout: 0 });
    expect(updates.map((u: { message: unknown }) => u.message)).toEqual([
      expect.objectContaining({ message_thread_id: topic.threadId, from: expect.objectContaining({ id: s.bot.id }), forum_topic_created: expect.objectContaining({ name: "🟪 Alice" }) }),
    ]);
  });

  it("held updates stay queued, invisible to getUpdates, until released", async () => {
    const s = await setup();
    emu = s.emu;
    emu.holdUpdates(s.token, true);
    emu.userSends(s.token, s.user.id, { text: "late" });
    expect(await ok(emu, s.token, "getUpdates", { timeout: 0 })).toEqual([]);
    const waiting = ok(emu, s.token, "getUpdates", { timeout: 5 });
    emu.holdUpdates(s.token, false);
    expect((await waiting).map((u: { message: { text: string } }) => u.message.text)).toEqual(["late"]);
  });

  it("a fault without method skips getUpdates; chatId narrows; times counts; clearFaults disarms", async () => {
    const s = await setup();
    emu = s.emu;
    const other = emu.createUser();
    emu.userSends(s.token, s.user.id, { text: "a" });
    emu.userSends(s.token, other.id, { text: "b" });
    emu.injectFault({ kind: "500", times: 2, chatId: other.id });
    expect((await api(emu, s.token, "getUpdates", { timeout: 0 })).ok).toBe(true);
    expect((await api(emu, s.token, "sendMessage", { chat_id: s.user.id, text: "x" })).ok).toBe(true);
    expect((await api(emu, s.token, "sendMessage", { chat_id: other.id, text: "x" })).error_code).toBe(500);
    expect((await api(emu, s.token, "copyMessage", { chat_id: other.id, from_chat_id: other.id, message_id: 1 })).error_code).toBe(500);
    expect((await api(emu, s.token, "sendMessage", { chat_id: other.id, text: "x" })).ok).toBe(true);
    emu.injectFault({ method: "getUpdates", kind: "502" });
    emu.injectFault({ kind: "502" });
    emu.clearFaults();
    expect((await api(emu, s.token, "getUpdates", { timeout: 0 })).ok).toBe(true);
    expect((await api(emu, s.token, "getMe")).ok).toBe(true);
  });
});

describe("rate limits", () => {
  it("private chat: burst of 3 then 429 with retry_after; slots come back", async () => {
    const s = await setup({ enforceRateLimits: true });
    emu = s.emu;
    emu.userSends(s.token, s.user.id, { text: "hi" });
    const send = () => api(emu!, s.token, "sendMessage", { chat_id: s.user.id, text: "x" });
    for (let i = 0; i < 3; i++) expect((await send()).ok).toBe(true);
    const limited = await send();
    expect(limited).toMatchObject({ ok: false, error_code: 429, parameters: { retry_after: 1 } });
    expect(limited.description).toBe("Too Many Requests: retry after 1");
    expect(emu.stats().rateLimited).toBe(1);
    await sleep(1100);
    expect((await send()).ok).toBe(true);
  });

  it("group: 20 per minute, topic creation counts", async () => {
    const s = await setup({ enforceRateLimits: true });
    emu = s.emu;
    await ok(emu, s.token, "createForumTopic", { chat_id: s.group, name: "t" });
    for (let i = 0; i < 19; i++) await ok(emu, s.token, "sendMessage", { chat_id: s.group, text: `m${i}` });
    const limited = await api(emu, s.token, "sendMessage", { chat_id: s.group, text: "over" });
    expect(limited.error_code).toBe(429);
    expect(limited.parameters!.retry_after).toBeGreaterThanOrEqual(59);
    expect(limited.parameters!.retry_after).toBeLessThanOrEqual(60);
    expect((await api(emu, s.token, "createForumTopic", { chat_id: s.group, name: "u" })).error_code).toBe(429);
  });

  it("bot-wide: 30 per second across chats", async () => {
    const s = await setup({ enforceRateLimits: true });
    emu = s.emu;
    const users = Array.from({ length: 12 }, () => emu!.createUser());
    for (const u of users) emu.userSends(s.token, u.id, { text: "hi" });
    let okCount = 0;
    let limited = 0;
    for (const u of users) {
      for (let i = 0; i < 3; i++) {
        const a = await api(emu, s.token, "sendMessage", { chat_id: u.id, text: "x" });
        if (a.ok) okCount++;
        else if (a.error_code === 429) limited++;
      }
    }
    expect(okCount).toBe(30);
    expect(limited).toBe(6);
  });

  it("is off by default", async () => {
    const s = await setup();
    emu = s.emu;
    emu.userSends(s.token, s.user.id, { text: "hi" });
    for (let i = 0; i < 10; i++) await ok(emu, s.token, "sendMessage", { chat_id: s.user.id, text: "x" });
  });
});

describe("control API over HTTP", () => {
  async function ctl(e: Emulator, path: string, body?: unknown, method = body === undefined ? "GET" : "POST") {
    const res = await fetch(`${e.url}/control/${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as { ok: boolean; result?: any; error?: string };
  }

  it("drives a whole scenario", async () => {
    const s = await setup();
    emu = s.emu;
    const bot = (await ctl(emu, "bots", { username: "ctl_bot" })).result;
    expect(bot).toMatchObject({ username: "ctl_bot", token: expect.stringContaining(":") });
    const user = (await ctl(emu, "users", { firstName: "Bea" })).result;
    const opr = (await ctl(emu, "users", { firstName: "Op" })).result;
    const group = (await ctl(emu, "groups", { title: "G", bots: [bot.token], operators: [opr.id] })).result.id;
    expect(group).toBeLessThan(-1_000_000_000_000);
    const m = (await ctl(emu, "userSends", { token: bot.token, userId: user.id, content: { text: "hello" } })).result;
    expect(m).toMatchObject({ text: "hello", editCount: 0 });
    await ctl(emu, "userEdits", { token: bot.token, userId: user.id, messageId: m.message_id, content: { text: "hello!" } });
    await ctl(emu, "userSendsAlbum", { token: bot.token, userId: user.id, items: [{ photo: true }, { photo: true }] });
    const t = await ok(emu, bot.token, "createForumTopic", { chat_id: group, name: "Bea" });
    const posted = (await ctl(emu, "operatorPosts", { groupId: group, userId: opr.id, content: { text: "hi", threadId: t.message_thread_id } })).result;
    expect(posted.reply_to_message.message_id).toBe(t.message_thread_id);
    expect((await ctl(emu, `messages?chatId=${user.id}`)).result.map((x: { text?: string }) => x.text ?? "album")).toEqual(["hello!", "album", "album"]);
    expect((await ctl(emu, `messages?chatId=${group}&threadId=${t.message_thread_id}`)).result).toHaveLength(2);
    expect((await ctl(emu, `topics?groupId=${group}`)).result).toEqual([{ threadId: t.message_thread_id, name: "Bea", iconColor: 7322096, closed: false, deleted: false }]);
    expect((await ctl(emu, `updates?token=${encodeURIComponent(bot.token)}`)).result.length).toBe(6); // message, edit, 2 album items, topic created, operator post
    await ctl(emu, "faults", { method: "getMe", kind: "502" });
    expect((await api(emu, bot.token, "getMe")).error_code).toBe(502);
    await ctl(emu, "faults", { method: "getMe", kind: "502" });
    await ctl(emu, "faults", undefined, "DELETE");
    expect((await api(emu, bot.token, "getMe")).ok).toBe(true);
    expect((await ctl(emu, "stats")).result).toMatchObject({ faultsInjected: 1, calls: { getMe: 2, createForumTopic: 1 } });
    await ctl(emu, "userBlocksBot", { token: bot.token, userId: user.id });
    expect((await ctl(emu, "state")).result.privateChats).toContainEqual({ token: bot.token, userId: user.id, blocked: true, messageCount: 3 });
    await ctl(emu, "deleteTopic", { groupId: group, threadId: t.message_thread_id });
    expect((await ctl(emu, `topics?groupId=${group}`)).result[0].deleted).toBe(true);
    const bad = await ctl(emu, "userSends", { token: "nope", userId: 1, content: { text: "x" } });
    expect(bad).toMatchObject({ ok: false, error: expect.stringContaining("unknown bot") });
  });

  it("streams world changes (onChange, EventTarget and SSE)", async () => {
    const s = await setup();
    emu = s.emu;
    const seen: WorldEvent[] = [];
    const off = emu.onChange((e) => seen.push(e));
    const viaTarget: WorldEvent[] = [];
    emu.events.addEventListener("change", (e) => viaTarget.push((e as CustomEvent<WorldEvent>).detail));
    const ac = new AbortController();
    const res = await fetch(`${emu.url}/control/events`, { signal: ac.signal });
    const reader = res.body!.getReader();
    emu.userSends(s.token, s.user.id, { text: "evt" });
    let text = "";
    while (!text.includes('"text":"evt"')) text += new TextDecoder().decode((await reader.read()).value);
    ac.abort();
    off();
    expect(seen.map((e) => e.type)).toEqual(["chat", "message", "update"]);
    expect(viaTarget).toHaveLength(3);
    expect(text).toContain("event: change");
  });
});
