/** MTProto → Bot API conversion, on hand-written TL objects (not the fake server's output). */
import { Long, Message, PeersIndex, type tl } from "@mtcute/core";
import { describe, expect, it } from "vitest";
import { convertUpdate } from "../../src/telegram/mtproto/convert.ts";

const me = { me: { id: 500, first_name: "Acme Support", username: "acme_bot" }, MessageClass: Message };
const alice: tl.RawUser = { _: "user", id: 42, accessHash: Long.fromNumber(1), firstName: "Alice", lastName: "Smith", username: "alice", langCode: "en" };
const olga: tl.RawUser = { _: "user", id: 77, accessHash: Long.fromNumber(2), firstName: "Olga" };
const group: tl.RawChannel = { _: "channel", id: 1_000_000_005, accessHash: Long.fromNumber(3), title: "Operators", megagroup: true, forum: true, date: 1, photo: { _: "chatPhotoEmpty" } } as tl.RawChannel;
const peers = PeersIndex.from({ users: [alice, olga], chats: [group] });
const dm = { _: "peerUser", userId: 42 } as const;
const inGroup = { _: "peerChannel", channelId: 1_000_000_005 } as const;
const msg = (m: Partial<tl.RawMessage>): tl.RawMessage => ({ _: "message", id: 10, peerId: dm, date: 1_700_000_000, message: "", ...m });
const newMessage = (m: tl.TypeMessage): tl.TypeUpdate => ({ _: "updateNewMessage", message: m, pts: 1, ptsCount: 1 });

describe("MTProto → Bot API", () => {
  it("converts a user's text with entities", () => {
    const c = convertUpdate(newMessage(msg({
      message: "Hi @bob see link",
      entities: [{ _: "messageEntityBold", offset: 0, length: 2 }, { _: "messageEntityMention", offset: 3, length: 4 }, { _: "messageEntityTextUrl", offset: 12, length: 4, url: "https://x.example" }, { _: "messageEntityBankCard", offset: 0, length: 1 }],
    })), peers, me);
    expect(c).toEqual({
      kind: "update", key: "m:42:10",
      body: {
        message: {
          message_id: 10, from: { id: 42, is_bot: false, first_name: "Alice", last_name: "Smith", username: "alice", language_code: "en" },
          chat: { id: 42, type: "private", first_name: "Alice", last_name: "Smith", username: "alice" }, date: 1_700_000_000, text: "Hi @bob see link",
          entities: [{ type: "bold", offset: 0, length: 2 }, { type: "mention", offset: 3, length: 4 }, { type: "text_link", offset: 12, length: 4, url: "https://x.example" }],
        },
      },
    });
  });

  it("converts a photo with a caption, an album and protected content", () => {
    const photo: tl.RawPhoto = { _: "photo", id: Long.fromNumber(9), accessHash: Long.fromNumber(8), fileReference: new Uint8Array([1]), date: 1, dcId: 2, sizes: [{ _: "photoSize", type: "x", w: 800, h: 600, size: 5000 }] };
    const c = convertUpdate(newMessage(msg({ message: "look", media: { _: "messageMediaPhoto", photo }, groupedId: Long.fromNumber(77), noforwards: true })), peers, me);
    if (c.kind !== "update") throw new Error(c.kind);
    const m = c.body.message!;
    expect(m.caption).toBe("look");
    expect(m.text).toBeUndefined();
    expect(m.photo).toHaveLength(1);
    expect(m.photo![0]).toMatchObject({ width: 800, height: 600 });
    expect(m.photo![0].file_id.length).toBeGreaterThan(20);
    expect(m.media_group_id).toBe("77");
    expect(m.has_protected_content).toBe(true);
  });

  it("puts operator messages in their forum topic, with real replies kept apart from the topic root", () => {
    const top = convertUpdate({ _: "updateNewChannelMessage", pts: 5, ptsCount: 1, message: msg({ id: 30, peerId: inGroup, fromId: { _: "peerUser", userId: 77 }, message: "answer", replyTo: { _: "messageReplyHeader", forumTopic: true, replyToMsgId: 12 } }) }, peers, me);
    if (top.kind !== "update") throw new Error(top.kind);
    expect(top.body.message).toMatchObject({ message_id: 30, message_thread_id: 12, is_topic_message: true, chat: { id: -1_001_000_000_005, type: "supergroup", title: "Operators", is_forum: true }, from: { id: 77, first_name: "Olga" }, reply_to_message: { message_id: 12 } });
    const reply = convertUpdate({ _: "updateNewChannelMessage", pts: 6, ptsCount: 1, message: msg({ id: 31, peerId: inGroup, fromId: { _: "peerUser", userId: 77 }, message: "re", replyTo: { _: "messageReplyHeader", forumTopic: true, replyToMsgId: 25, replyToTopId: 12 } }) }, peers, me);
    if (reply.kind !== "update") throw new Error(reply.kind);
    expect(reply.body.message).toMatchObject({ message_thread_id: 12, reply_to_message: { message_id: 25 } });
  });

  it("passes on the bot's own topic creation (its service message) and skips other service messages", () => {
    const service = (m: Partial<tl.RawMessageService>): tl.TypeUpdate => ({
      _: "updateNewChannelMessage", pts: 7, ptsCount: 1,
      message: { _: "messageService", id: 40, peerId: inGroup, date: 1_700_000_000, action: { _: "messageActionTopicCreate", title: "🟪 Alice", iconColor: 7322096 }, ...m } as tl.RawMessageService,
    });
    expect(convertUpdate(service({ out: true }), peers, me)).toEqual({
      kind: "update", key: "t:-1001000000005:40",
      body: {
        message: {
          message_id: 40, message_thread_id: 40, from: { id: 500, is_bot: true, first_name: "Acme Support", username: "acme_bot" },
          chat: { id: -1_001_000_000_005, type: "supergroup", title: "Operators", is_forum: true }, date: 1_700_000_000, is_topic_message: true,
          forum_topic_created: { name: "🟪 Alice", icon_color: 7322096 },
        },
      },
    });
    expect(convertUpdate(service({ out: false, fromId: { _: "peerUser", userId: 77 } }), peers, me).kind).toBe("skip");
    expect(convertUpdate(service({ out: true, action: { _: "messageActionTopicEdit", title: "🟨 Alice" } }), peers, me).kind).toBe("skip");
  });

  it("turns the bot's outgoing private messages and their edits into interceptions, with buttons; drops them elsewhere", () => {
    const out = convertUpdate(newMessage(msg({
      id: 11, out: true, message: "Pick one",
      replyMarkup: { _: "replyInlineMarkup", rows: [{ _: "keyboardButtonRow", buttons: [{ _: "keyboardButtonCallback", text: "Billing", data: new TextEncoder().encode("billing") }, { _: "keyboardButtonUrl", text: "Site", url: "https://x.example" }] }] },
    })), peers, me);
    expect(out).toMatchObject({ kind: "outgoing", chatId: 42, message: { message_id: 11, from: { id: 500, is_bot: true }, text: "Pick one", reply_markup: { inline_keyboard: [[{ text: "Billing", callback_data: "billing" }, { text: "Site", url: "https://x.example" }]] } } });
    expect(convertUpdate(newMessage(msg({ out: true, peerId: inGroup, fromId: { _: "peerUser", userId: 500 } })), peers, me).kind).toBe("skip");
    expect(convertUpdate({ _: "updateEditMessage", message: msg({ out: true, message: "v2", editDate: 5 }), pts: 2, ptsCount: 1 }, peers, me))
      .toMatchObject({ kind: "outgoing", edited: true, key: "e:42:10:5", message: { text: "v2", edit_date: 5 } });
  });

  it("keys edits by their edit date, so each edit is new but a re-fetched one is not", () => {
    const e = convertUpdate({ _: "updateEditMessage", message: msg({ message: "fixed", editDate: 1_700_000_100 }), pts: 3, ptsCount: 1 }, peers, me);
    expect(e).toMatchObject({ kind: "update", key: "e:42:10:1700000100", body: { edited_message: { text: "fixed", edit_date: 1_700_000_100 } } });
  });

  it("passes on a user the session does not know, with an empty name", () => {
    const c = convertUpdate(newMessage(msg({ peerId: { _: "peerUser", userId: 99 }, message: "hi" })), PeersIndex.from({}), me);
    expect(c).toMatchObject({ kind: "update", body: { message: { from: { id: 99, is_bot: false, first_name: "" }, chat: { id: 99, type: "private" } } } });
  });

  it("converts reactions and users stopping the bot; skips service messages and other updates", () => {
    const r = convertUpdate({ _: "updateBotMessageReaction", peer: dm, msgId: 10, date: 5, actor: { _: "peerUser", userId: 42 }, oldReactions: [], newReactions: [{ _: "reactionEmoji", emoticon: "👍" }], qts: 7 }, peers, me);
    expect(r).toMatchObject({ kind: "update", key: "r:7", body: { message_reaction: { chat: { id: 42 }, message_id: 10, user: { id: 42 }, new_reaction: [{ type: "emoji", emoji: "👍" }], old_reaction: [] } } });
    const stop = convertUpdate({ _: "updateBotStopped", userId: 42, date: 5, stopped: true, qts: 8 }, peers, me);
    expect(stop).toMatchObject({ kind: "update", body: { my_chat_member: { chat: { id: 42, type: "private" }, old_chat_member: { status: "member" }, new_chat_member: { status: "kicked" } } } });
    expect(convertUpdate(newMessage({ _: "messageService", id: 3, peerId: dm, date: 1, action: { _: "messageActionHistoryClear" } }), peers, me).kind).toBe("skip");
    expect(convertUpdate({ _: "updateUserTyping", userId: 42, action: { _: "sendMessageTypingAction" } } as tl.TypeUpdate, peers, me).kind).toBe("skip");
  });

  it("converts monitored basic groups' messages and channel posts as the Bot API shows them; drops the bot's own channel posts", () => {
    const basic: tl.RawChat = { _: "chat", id: 5, title: "Partners", photo: { _: "chatPhotoEmpty" }, participantsCount: 3, date: 1, version: 1 } as tl.RawChat;
    const news: tl.RawChannel = { _: "channel", id: 1_000_000_009, accessHash: Long.fromNumber(4), title: "Acme News", username: "acme_news", broadcast: true, date: 1, photo: { _: "chatPhotoEmpty" } } as tl.RawChannel;
    const all = PeersIndex.from({ users: [alice, olga], chats: [group, basic, news] });
    const inBasic = convertUpdate(newMessage(msg({ id: 3, peerId: { _: "peerChat", chatId: 5 }, fromId: { _: "peerUser", userId: 42 }, message: "hello group" })), all, me);
    expect(inBasic).toMatchObject({ kind: "update", key: "m:-5:3", body: { message: { chat: { id: -5, type: "group", title: "Partners" }, from: { id: 42 }, text: "hello group" } } });
    const inChannel = { _: "peerChannel", channelId: 1_000_000_009 } as const;
    const post = convertUpdate({ _: "updateNewChannelMessage", pts: 1, ptsCount: 1, message: msg({ id: 8, peerId: inChannel, message: "launch day" }) }, all, me);
    const newsChat = { id: -1_001_000_000_009, type: "channel", title: "Acme News", username: "acme_news" };
    expect(post).toEqual({ kind: "update", key: "m:-1001000000009:8", body: { channel_post: { message_id: 8, sender_chat: newsChat, chat: newsChat, date: 1_700_000_000, text: "launch day" } } });
    const edit = convertUpdate({ _: "updateEditChannelMessage", pts: 2, ptsCount: 1, message: msg({ id: 8, peerId: inChannel, message: "launch day!", editDate: 1_700_000_100 }) }, all, me);
    expect(edit).toMatchObject({ kind: "update", body: { edited_channel_post: { message_id: 8, text: "launch day!", edit_date: 1_700_000_100 } } });
    expect(convertUpdate({ _: "updateNewChannelMessage", pts: 3, ptsCount: 1, message: msg({ id: 9, peerId: inChannel, out: true, message: "our answer" }) }, all, me).kind).toBe("skip");
  });
});
