/** Message methods: copies, albums, forwards, edits, deletes, reactions, errors and encodings. */
import { afterEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/sandbox/emulator/mod.ts";
import { api, ok, setup } from "./helpers.ts";

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function topicOf(e: Emulator, token: string, group: number, name = "T"): Promise<number> {
  return (await ok(e, token, "createForumTopic", { chat_id: group, name })).message_thread_id;
}

describe("copying", () => {
  it("copyMessages keeps albums together under a fresh media_group_id", async () => {
    const s = await setup();
    emu = s.emu;
    const t = await topicOf(emu, s.token, s.group);
    const before = emu.userSends(s.token, s.user.id, { text: "before" });
    const album = emu.userSendsAlbum(s.token, s.user.id, [{ photo: true, caption: "one" }, { photo: true }, { video: true }]);
    expect(new Set(album.map((m) => m.media_group_id)).size).toBe(1);
    const ids = [before.message_id, ...album.map((m) => m.message_id)];
    const res = await ok(emu, s.token, "copyMessages", { chat_id: s.group, from_chat_id: s.user.id, message_ids: ids, message_thread_id: t });
    expect(res).toHaveLength(4);
    expect(Object.keys(res[0])).toEqual(["message_id"]);
    const copies = emu.messages(s.group, { threadId: t }).slice(1);
    expect(copies.map((m) => m.text ?? m.caption ?? null)).toEqual(["before", "one", null, null]);
    const gid = copies[1].media_group_id;
    expect(gid).toBeTruthy();
    expect(gid).not.toBe(album[0].media_group_id);
    expect(copies.slice(1).every((m) => m.media_group_id === gid)).toBe(true);
    expect(copies[0].media_group_id).toBeUndefined();
    expect(copies[1].photo?.at(-1)?.file_id).toBe(album[0].photo?.at(-1)?.file_id);
    // topic messages replying to nothing point at the root
    expect(copies.every((m) => m.reply_to_message?.message_id === t)).toBe(true);
    expect(await api(emu, s.token, "copyMessages", { chat_id: s.group, from_chat_id: s.user.id, message_ids: [3, 2] })).toMatchObject({ error_code: 400 });
    expect(await api(emu, s.token, "copyMessages", { chat_id: s.group, from_chat_id: s.user.id, message_ids: [999] })).toMatchObject({ description: "Bad Request: message to copy not found" });
  });

  it("copyMessage: caption override, reply target, missing messages, protected content", async () => {
    const s = await setup();
    emu = s.emu;
    const photo = emu.userSends(s.token, s.user.id, { photo: true, caption: "orig" });
    const r1 = await ok(emu, s.token, "copyMessage", { chat_id: s.group, from_chat_id: s.user.id, message_id: photo.message_id, caption: "new caption" });
    const c1 = emu.messages(s.group).find((m) => m.message_id === r1.message_id)!;
    expect(c1.caption).toBe("new caption");
    expect(c1.reply_to_message).toBeUndefined();
    const r2 = await ok(emu, s.token, "copyMessage", { chat_id: s.group, from_chat_id: s.user.id, message_id: photo.message_id, reply_parameters: { message_id: r1.message_id } });
    expect(emu.messages(s.group).at(-1)).toMatchObject({ message_id: r2.message_id, reply_to_message: { message_id: r1.message_id } });
    expect(await api(emu, s.token, "copyMessage", { chat_id: s.group, from_chat_id: s.user.id, message_id: 777 })).toEqual({ ok: false, error_code: 400, description: "Bad Request: message to copy not found" });
    expect(await api(emu, s.token, "copyMessage", { chat_id: s.group, from_chat_id: s.user.id, message_id: photo.message_id, reply_parameters: { message_id: 777 } })).toMatchObject({ description: "Bad Request: message to be replied not found" });
    expect((await api(emu, s.token, "copyMessage", { chat_id: s.group, from_chat_id: s.user.id, message_id: photo.message_id, reply_parameters: { message_id: 777, allow_sending_without_reply: true } })).ok).toBe(true);
    const prot = emu.userSends(s.token, s.user.id, { text: "secret", protectContent: true });
    expect(await api(emu, s.token, "copyMessage", { chat_id: s.group, from_chat_id: s.user.id, message_id: prot.message_id })).toMatchObject({ error_code: 400, description: "Bad Request: message can't be copied" });
    expect(await api(emu, s.token, "forwardMessage", { chat_id: s.group, from_chat_id: s.user.id, message_id: prot.message_id })).toMatchObject({ error_code: 400, description: "Bad Request: message can't be forwarded" });
  });

  it("forwardMessage adds forward_origin; forwardMessages returns ids", async () => {
    const s = await setup();
    emu = s.emu;
    const m = emu.userSends(s.token, s.user.id, { text: "fwd me" });
    const f = await ok(emu, s.token, "forwardMessage", { chat_id: s.group, from_chat_id: s.user.id, message_id: m.message_id });
    expect(f).toMatchObject({ text: "fwd me", forward_origin: { type: "user", sender_user: { id: s.user.id } } });
    const many = await ok(emu, s.token, "forwardMessages", { chat_id: s.group, from_chat_id: s.user.id, message_ids: [m.message_id] });
    expect(many).toEqual([{ message_id: f.message_id + 1 }]);
  });
});

describe("user reachability", () => {
  it("blocked, deactivated and never-started users", async () => {
    const s = await setup();
    emu = s.emu;
    const stranger = emu.createUser({ firstName: "Stan" });
    expect(await api(emu, s.token, "sendMessage", { chat_id: stranger.id, text: "hi" })).toEqual({ ok: false, error_code: 403, description: "Forbidden: bot can't initiate conversation with a user" });
    expect(await api(emu, s.token, "sendMessage", { chat_id: 424242, text: "hi" })).toMatchObject({ error_code: 400, description: "Bad Request: chat not found" });
    emu.userSends(s.token, s.user.id, { text: "hi" });
    emu.userBlocksBot(s.token, s.user.id);
    expect(await api(emu, s.token, "sendMessage", { chat_id: s.user.id, text: "hi" })).toEqual({ ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" });
    expect(await api(emu, s.token, "sendPhoto", { chat_id: s.user.id, photo: "https://x/y.jpg" })).toMatchObject({ error_code: 403 });
    emu.userUnblocksBot(s.token, s.user.id);
    expect((await api(emu, s.token, "sendMessage", { chat_id: s.user.id, text: "hi" })).ok).toBe(true);
    emu.deactivateUser(s.user.id);
    expect(await api(emu, s.token, "sendMessage", { chat_id: s.user.id, text: "hi" })).toEqual({ ok: false, error_code: 403, description: "Forbidden: user is deactivated" });
  });

  it("a deleted account: every call naming its chat answers chat not found", async () => {
    const s = await setup();
    emu = s.emu;
    const m = emu.userSends(s.token, s.user.id, { text: "hi" });
    emu.deleteUser(s.user.id);
    const notFound = { ok: false, error_code: 400, description: "Bad Request: chat not found" };
    expect(await api(emu, s.token, "sendMessage", { chat_id: s.user.id, text: "hi" })).toEqual(notFound);
    expect(await api(emu, s.token, "copyMessage", { chat_id: s.group, from_chat_id: s.user.id, message_id: m.message_id })).toEqual(notFound);
    expect(await api(emu, s.token, "getChat", { chat_id: s.user.id })).toEqual(notFound);
    expect(() => s.emu.userSends(s.token, s.user.id, { text: "still here?" })).toThrow(/deleted/);
  });
});

describe("edits, deletes, reactions", () => {
  it("edits with Telegram's error texts", async () => {
    const s = await setup();
    emu = s.emu;
    const um = emu.userSends(s.token, s.user.id, { text: "hi" });
    const sent = await ok(emu, s.token, "sendMessage", { chat_id: s.user.id, text: "v1" });
    const edited = await ok(emu, s.token, "editMessageText", { chat_id: s.user.id, message_id: sent.message_id, text: "v2" });
    expect(edited).toMatchObject({ text: "v2", edit_date: expect.any(Number) });
    expect(emu.messages(s.user.id).at(-1)).toMatchObject({ text: "v2", editCount: 1 });
    expect(await api(emu, s.token, "editMessageText", { chat_id: s.user.id, message_id: sent.message_id, text: "v2" })).toEqual({
      ok: false,
      error_code: 400,
      description: "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
    });
    expect(await api(emu, s.token, "editMessageText", { chat_id: s.user.id, message_id: 999, text: "x" })).toMatchObject({ description: "Bad Request: message to edit not found" });
    expect(await api(emu, s.token, "editMessageText", { chat_id: s.user.id, message_id: um.message_id, text: "x" })).toMatchObject({ description: "Bad Request: message can't be edited" });
    const photo = await ok(emu, s.token, "sendPhoto", { chat_id: s.user.id, photo: "https://example.com/a.jpg", caption: "c1" });
    expect(await api(emu, s.token, "editMessageText", { chat_id: s.user.id, message_id: photo.message_id, text: "x" })).toMatchObject({ description: "Bad Request: there is no text in the message to edit" });
    expect((await ok(emu, s.token, "editMessageCaption", { chat_id: s.user.id, message_id: photo.message_id, caption: "c2" })).caption).toBe("c2");
    const kb = { inline_keyboard: [[{ text: "go", url: "https://example.com" }]] };
    expect((await ok(emu, s.token, "editMessageReplyMarkup", { chat_id: s.user.id, message_id: photo.message_id, reply_markup: kb })).reply_markup).toEqual(kb);
    // a bot's edits produce no updates for itself
    expect(emu.updatesFor(s.token).map((u) => Object.keys(u)[1])).toEqual(["message"]);
  });

  it("deletes and reactions", async () => {
    const s = await setup();
    emu = s.emu;
    const um = emu.userSends(s.token, s.user.id, { text: "hi" });
    expect(await ok(emu, s.token, "setMessageReaction", { chat_id: s.user.id, message_id: um.message_id, reaction: [{ type: "emoji", emoji: "👍" }] })).toBe(true);
    expect(await api(emu, s.token, "setMessageReaction", { chat_id: s.user.id, message_id: um.message_id, reaction: [{ type: "emoji", emoji: "🦆" }] })).toMatchObject({ description: "Bad Request: REACTION_INVALID" });
    expect(await api(emu, s.token, "setMessageReaction", { chat_id: s.user.id, message_id: 99, reaction: [] })).toMatchObject({ error_code: 400 });
    expect(await ok(emu, s.token, "deleteMessage", { chat_id: s.user.id, message_id: um.message_id })).toBe(true);
    expect(await api(emu, s.token, "deleteMessage", { chat_id: s.user.id, message_id: um.message_id })).toMatchObject({ description: "Bad Request: message to delete not found" });
    expect(emu.messages(s.user.id)).toEqual([]);
  });
});

describe("sending media and encodings", () => {
  it("media by file id, unknown ids, media groups, poll/dice/location/contact", async () => {
    const s = await setup();
    emu = s.emu;
    const um = emu.userSends(s.token, s.user.id, { document: true, caption: "doc" });
    const fileId = um.document!.file_id;
    const d = await ok(emu, s.token, "sendDocument", { chat_id: s.user.id, document: fileId });
    expect(d.document.file_id).toBe(fileId);
    expect(await api(emu, s.token, "sendDocument", { chat_id: s.user.id, document: "nonsense" })).toMatchObject({ description: "Bad Request: wrong file identifier/HTTP URL specified" });
    expect(await api(emu, s.token, "sendPhoto", { chat_id: s.user.id, photo: fileId })).toMatchObject({ description: "Bad Request: type of file mismatch" });
    const grp = await ok(emu, s.token, "sendMediaGroup", { chat_id: s.user.id, media: [{ type: "photo", media: "https://a/1.jpg", caption: "one" }, { type: "video", media: "https://a/2.mp4" }] });
    expect(grp).toHaveLength(2);
    expect(grp[0].media_group_id).toBe(grp[1].media_group_id);
    expect(await api(emu, s.token, "sendMediaGroup", { chat_id: s.user.id, media: [{ type: "photo", media: "https://a/1.jpg" }] })).toMatchObject({ error_code: 400 });
    expect((await ok(emu, s.token, "sendPoll", { chat_id: s.user.id, question: "Q?", options: ["a", "b"] })).poll).toMatchObject({ question: "Q?", options: [{ text: "a" }, { text: "b" }] });
    expect((await ok(emu, s.token, "sendDice", { chat_id: s.user.id })).dice.value).toBeGreaterThan(0);
    expect((await ok(emu, s.token, "sendLocation", { chat_id: s.user.id, latitude: 1.5, longitude: 2 })).location).toEqual({ latitude: 1.5, longitude: 2 });
    expect((await ok(emu, s.token, "sendContact", { chat_id: s.user.id, phone_number: "+1", first_name: "Z" })).contact).toMatchObject({ phone_number: "+1" });
    expect(await ok(emu, s.token, "sendChatAction", { chat_id: s.user.id, action: "typing" })).toBe(true);
    expect(await api(emu, s.token, "sendMessage", { chat_id: s.user.id, text: "" })).toMatchObject({ description: "Bad Request: message text is empty" });
  });

  it("accepts form-urlencoded, multipart (with a file upload) and query-string parameters", async () => {
    const s = await setup();
    emu = s.emu;
    emu.userSends(s.token, s.user.id, { text: "hi" });
    const form = await fetch(`${emu.url}/bot${s.token}/sendMessage`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ chat_id: String(s.user.id), text: "form text", reply_markup: JSON.stringify({ inline_keyboard: [[{ text: "b", callback_data: "d" }]] }) }),
    }).then((r) => r.json());
    expect(form.result).toMatchObject({ text: "form text", reply_markup: { inline_keyboard: [[{ text: "b", callback_data: "d" }]] } });
    const fd = new FormData();
    fd.set("chat_id", String(s.user.id));
    fd.set("caption", "uploaded");
    fd.set("document", new Blob([new Uint8Array([1, 2, 3])], { type: "application/pdf" }), "invoice.pdf");
    const multi = await fetch(`${emu.url}/bot${s.token}/sendDocument`, { method: "POST", body: fd }).then((r) => r.json());
    expect(multi.result).toMatchObject({ caption: "uploaded", document: { file_name: "invoice.pdf", mime_type: "application/pdf", file_size: 3 } });
    // getFile gives a download path that serves the uploaded bytes
    const f = await ok(emu, s.token, "getFile", { file_id: multi.result.document.file_id });
    const bytes = new Uint8Array(await (await fetch(`${emu.url}/file/bot${s.token}/${f.file_path}`)).arrayBuffer());
    expect([...bytes]).toEqual([1, 2, 3]);
    // the generated file id can be sent again
    expect((await api(emu, s.token, "sendDocument", { chat_id: s.user.id, document: multi.result.document.file_id })).ok).toBe(true);
    const fd2 = new FormData();
    fd2.set("chat_id", String(s.user.id));
    fd2.set("media", JSON.stringify([{ type: "photo", media: "attach://p1" }, { type: "photo", media: "attach://p2" }]));
    fd2.set("p1", new Blob([new Uint8Array([1])], { type: "image/jpeg" }), "1.jpg");
    fd2.set("p2", new Blob([new Uint8Array([2])], { type: "image/jpeg" }), "2.jpg");
    const album = await fetch(`${emu.url}/bot${s.token}/sendMediaGroup`, { method: "POST", body: fd2 }).then((r) => r.json());
    expect(album.result).toHaveLength(2);
    const q = await fetch(`${emu.url}/bot${s.token}/sendMessage?chat_id=${s.user.id}&text=${encodeURIComponent("query text")}`).then((r) => r.json());
    expect(q.result.text).toBe("query text");
  });
});
