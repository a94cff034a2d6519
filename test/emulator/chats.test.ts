/** Groups and channels a bot is added to (not the operators' forum), driven through the control API. */
import { afterEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/sandbox/emulator/mod.ts";
import { api, ok, setup } from "./helpers.ts";

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function control(e: Emulator, route: string, body: unknown) {
  const res = await fetch(`${e.url}/control/${route}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const answer = (await res.json()) as { ok: boolean; result?: any; error?: string };
  if (!answer.ok) throw new Error(`${route}: ${answer.error}`);
  return answer.result;
}

describe("monitored chats", () => {
  it("a group: the bot is added (my_chat_member and a service message), several people write, the bot answers; it is no forum", async () => {
    const s = await setup();
    emu = s.emu;
    const bob = emu.createUser({ firstName: "Bob" });
    const { id: chatId } = await control(emu, "chats", { type: "group", title: "Clients", username: "clients", members: [bob.id] });
    await control(emu, "addBotToChat", { chatId, token: s.token, byUserId: bob.id });
    await control(emu, "userJoinsGroup", { chatId, userId: s.user.id });
    const fromBob = await control(emu, "userWritesInGroup", { chatId, userId: bob.id, content: { text: "hi all" } });
    await control(emu, "userWritesInGroup", { chatId, userId: s.user.id, content: { text: "hi Bob", replyToMessageId: fromBob.message_id } });

    const updates = await ok(emu, s.token, "getUpdates", { timeout: 0 });
    expect(updates[0].my_chat_member).toMatchObject({ chat: { id: chatId, type: "supergroup", title: "Clients" }, new_chat_member: { status: "member" } });
    expect(updates[1].message.new_chat_members[0].id).toBe(s.bot.id);
    expect(updates[2].message.new_chat_members[0].id).toBe(s.user.id);
    expect(updates.slice(3).map((u: { message: { from: { first_name: string }; text: string } }) => [u.message.from.first_name, u.message.text])).toEqual([["Bob", "hi all"], ["Alice", "hi Bob"]]);
    expect(updates[4].message.reply_to_message.message_id).toBe(fromBob.message_id);
    expect(updates[3].message.chat.is_forum).toBeUndefined();

    const sent = await ok(emu, s.token, "sendMessage", { chat_id: chatId, text: "hello", reply_parameters: { message_id: fromBob.message_id } });
    expect(sent.reply_to_message.message_id).toBe(fromBob.message_id);
    expect(await ok(emu, s.token, "getChatMemberCount", { chat_id: chatId })).toBe(3);
    expect(await api(emu, s.token, "createForumTopic", { chat_id: chatId, name: "t" })).toMatchObject({ ok: false, error_code: 400, description: "Bad Request: the chat is not a forum" });
    // A bot that was never added can neither read nor write there.
    const other = emu.createBot({ username: "other_bot" });
    expect(await api(emu, other.token, "sendMessage", { chat_id: chatId, text: "x" })).toMatchObject({ ok: false, error_code: 403 });
  });

  it("a channel: posts come as channel_post on behalf of the channel; the bot admin posts into it", async () => {
    const s = await setup();
    emu = s.emu;
    const { id: chatId } = await control(emu, "chats", { type: "channel", title: "News", members: [s.operator.id] });
    await control(emu, "addBotToChat", { chatId, token: s.token, byUserId: s.operator.id });
    const post = await control(emu, "channelPosts", { chatId, byUserId: s.operator.id, content: { text: "Release" } });
    expect(post.from).toBeUndefined();
    const updates = await ok(emu, s.token, "getUpdates", { timeout: 0 });
    expect(updates.map((u: object) => Object.keys(u).filter((k) => k !== "update_id")[0])).toEqual(["my_chat_member", "channel_post"]);
    expect(updates[0].my_chat_member.new_chat_member.status).toBe("administrator");
    expect(updates[1].channel_post).toMatchObject({ text: "Release", chat: { id: chatId, type: "channel" }, sender_chat: { id: chatId } });
    const sent = await ok(emu, s.token, "sendMessage", { chat_id: chatId, text: "Changelog" });
    expect(sent.chat.type).toBe("channel");
  });
});
