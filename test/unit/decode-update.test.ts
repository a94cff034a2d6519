/**
 * The update decoder (issue 10): updates decode against the fields Switchboard reads, whatever
 * else they carry; anything of the wrong type in a read field, an unusable id, or something
 * that cannot be stored comes back with its id, a reason naming the field, and its raw text.
 */
import { describe, expect, it } from "vitest";
import { decodeStored, decodeUpdate, maxRawChars, type Undecodable } from "../../src/telegram/decode-update.ts";

const ann = { id: 7001, is_bot: false, first_name: "Ann", username: "ann", language_code: "en" };
const userMessage = { message_id: 55, from: ann, chat: { id: 7001, first_name: "Ann", type: "private" }, date: 1_700_000_000, text: "hello", entities: [{ type: "bold", offset: 0, length: 5 }] };
const operatorMessage = {
  message_id: 90, from: { id: 9, is_bot: false, first_name: "Olga" }, chat: { id: -1001000000001, type: "supergroup", title: "Ops", is_forum: true }, date: 1_700_000_000,
  message_thread_id: 12, is_topic_message: true, reply_to_message: { message_id: 12, date: 0, chat: { id: -1001000000001, type: "supergroup" }, forum_topic_created: { name: "Ann", icon_color: 1 } }, text: "answer",
};
const channelPost = { message_id: 3, chat: { id: -1002000000002, type: "channel", title: "Acme news", username: "acmenews" }, date: 1_700_000_000, text: "New release" };
const good = [
  { update_id: 100, message: userMessage },
  { update_id: 101, edited_message: { ...userMessage, edit_date: 1_700_000_100 } },
  { update_id: 102, message: operatorMessage },
  { update_id: 103, message: { ...userMessage, text: undefined, photo: [{ file_id: "f" }], caption: "look", media_group_id: "g1", has_protected_content: true } },
  { update_id: 104, message_reaction: { chat: { id: 7001, type: "private" }, message_id: 55, user: ann, date: 0, old_reaction: [], new_reaction: [{ type: "emoji", emoji: "👍" }, { type: "custom_emoji", custom_emoji_id: "5" }] } },
  { update_id: 105, my_chat_member: { chat: { id: 7001, type: "private" }, from: ann, date: 0, old_chat_member: { status: "member", user: ann }, new_chat_member: { status: "kicked", user: ann } } },
  // Kinds the router does not read pass unchecked (and are dropped there); so does a new field.
  { update_id: 106, chat_boost: { chat: { id: true } } },
  { update_id: 107 },
  { update_id: 108, message: { ...userMessage, some_future_field: { id: "anything" } } },
  // Monitored channels and groups: posts, their edits, titles, usernames, automatic forwards, inline results.
  { update_id: 110, channel_post: channelPost },
  { update_id: 111, edited_channel_post: { ...channelPost, edit_date: 1_700_000_100 } },
  { update_id: 112, message: { ...userMessage, chat: { id: -1003, type: "supergroup", title: "Fans" }, is_automatic_forward: true, via_bot: { id: 5, is_bot: true, first_name: "Inline" } } },
  { update_id: 113, message: { ...operatorMessage, forum_topic_created: { name: "Ann", icon_color: 1 } } },
  // A kind nobody knows yet (proxy mode asks Telegram for every kind).
  { update_id: 114, fuzz_future_kind: { chat: { id: "not read" } } },
];

const failure = (raw: unknown, origin: "telegram" | "own" | "stored" = "telegram") => {
  const decoded = decodeUpdate(raw, origin);
  expect(decoded.ok).toBe(false);
  return decoded as Undecodable;
};

describe("update decoder", () => {
  it("accepts every update Switchboard reads, and keeps it whole, with its JSON text", () => {
    for (const update of good) {
      const decoded = decodeUpdate(update, "telegram");
      expect(decoded).toEqual({ ok: true, update, payload: JSON.stringify(update) });
    }
    // The webhook's text as received is what is stored.
    const text = ` {"update_id": 109} `;
    expect(decodeUpdate(JSON.parse(text), "telegram", text)).toEqual({ ok: true, update: { update_id: 109 }, payload: text });
  });

  it("sets aside a wrong type in any field Switchboard reads, naming the field (issue 10 item 1)", () => {
    const cases: [unknown, string][] = [
      [{ update_id: 1, message: { ...userMessage, chat: { id: true, type: "private" } } }, "message.chat.id: Expected number, actual true"],
      [{ update_id: 2, message: { ...operatorMessage, message_thread_id: true } }, "message.message_thread_id: Expected number, actual true"],
      [{ update_id: 3, message: { ...operatorMessage, reply_to_message: { message_id: true } } }, "message.reply_to_message.message_id: Expected number, actual true"],
      [{ update_id: 4, my_chat_member: { ...good[5].my_chat_member, chat: { id: true, type: "private" } } }, "my_chat_member.chat.id: Expected number, actual true"],
      [{ update_id: 5, message: { ...userMessage, from: { ...ann, id: "7001" } } }, 'message.from.id: Expected number, actual "7001"'],
      [{ update_id: 6, message: { ...userMessage, message_id: 1.5 } }, "message.message_id: Expected an integer, actual 1.5"],
      [{ update_id: 7, message: { ...userMessage, chat: { id: 2 ** 60, type: "private" } } }, `message.chat.id: Expected an integer, actual ${2 ** 60}`],
      [{ update_id: 8, message: { ...userMessage, text: 5 } }, "message.text: Expected string, actual 5"],
      // Telegram leaves out what it has nothing for; null is not "absent".
      [{ update_id: 9, message: { ...operatorMessage, message_thread_id: null } }, "message.message_thread_id: Expected number, actual null"],
      [{ update_id: 10, message: { ...userMessage, entities: [{ type: "bold", offset: "0", length: 5 }] } }, 'message.entities.0.offset: Expected number, actual "0"'],
      [{ update_id: 11, message_reaction: { ...good[4].message_reaction, message_id: false } }, "message_reaction.message_id: Expected number, actual false"],
      [{ update_id: 12, message: null }, "message: Expected Message, actual null"],
      [{ update_id: 13, channel_post: { ...channelPost, chat: { ...channelPost.chat, id: "-1002000000002" } } }, 'channel_post.chat.id: Expected number, actual "-1002000000002"'],
      [{ update_id: 14, edited_channel_post: { ...channelPost, chat: { ...channelPost.chat, title: 5 } } }, "edited_channel_post.chat.title: Expected string, actual 5"],
      [{ update_id: 15, message: { ...userMessage, chat: { id: -1003, type: "supergroup", username: true } } }, "message.chat.username: Expected string, actual true"],
      [{ update_id: 16, message: { ...operatorMessage, forum_topic_created: { name: 7 } } }, "message.forum_topic_created.name: Expected string, actual 7"],
      [{ update_id: 17, message: { ...userMessage, via_bot: { id: "5", is_bot: true, first_name: "Inline" } } }, 'message.via_bot.id: Expected number, actual "5"'],
      [{ update_id: 18, message: { ...userMessage, is_automatic_forward: "yes" } }, 'message.is_automatic_forward: Expected boolean, actual "yes"'],
    ];
    for (const [raw, reason] of cases) {
      const decoded = failure(raw);
      expect(decoded.reason).toBe(reason);
      expect(decoded.updateId).toBe((raw as { update_id: number }).update_id);
      expect(decoded.raw).toBe(JSON.stringify(raw));
    }
  });

  it("sets aside an update without a usable id (issue 10 item 3)", () => {
    expect(failure({ update_id: null, message: userMessage })).toMatchObject({ updateId: null, reason: "update_id: Expected number, actual null" });
    expect(failure({})).toEqual({ ok: false, updateId: null, reason: "update_id: is missing", raw: "{}" });
    expect(failure({ update_id: "100" }).reason).toBe('update_id: Expected number, actual "100"');
    expect(failure({ update_id: 0 }).reason).toBe("update_id: Expected a positive number, actual 0");
    expect(failure([1, 2])).toEqual({ ok: false, updateId: null, reason: "update: expected an object, got an array", raw: "[1,2]" });
    expect(failure(null).reason).toBe("update: expected an object, got null");
    expect(failure("update").reason).toBe("update: expected an object, got string");
  });

  it("tells Telegram's updates from Switchboard's own by their ids; only its own carry an intercepted message", () => {
    const intercepted = { update_id: -1_700_000_000_000_001, switchboard_intercepted: { chat_id: 7001, message: userMessage } };
    expect(decodeUpdate(intercepted, "own").ok).toBe(true);
    expect(decodeUpdate(intercepted, "stored").ok).toBe(true);
    expect(decodeUpdate({ update_id: -5, message: userMessage }, "own").ok).toBe(true); // MTProto updates
    expect(failure(intercepted, "telegram").reason).toBe("update_id: Expected a positive number, actual -1700000000000001");
    expect(failure({ update_id: 5, switchboard_intercepted: { chat_id: 7001, message: userMessage } }).reason).toMatch(/^switchboard_intercepted: Expected undefined/);
    expect(failure({ update_id: 5, message: userMessage }, "own").reason).toBe("update_id: Expected a negative number, actual 5");
    expect(failure({ update_id: -5, switchboard_intercepted: { chat_id: true, message: userMessage } }, "stored").reason).toBe("switchboard_intercepted.chat_id: Expected number, actual true");
  });

  it("sets aside what cannot be stored as JSON, and bounds what it keeps of a huge one", () => {
    const cyclic: Record<string, unknown> = { update_id: 20 };
    cyclic.self = cyclic;
    const decoded = failure(cyclic);
    expect(decoded.updateId).toBe(20);
    expect(decoded.reason).toMatch(/^update: cannot be stored as JSON/);
    expect(decoded.raw).toMatch(/^\(not storable as JSON: /);
    const huge = failure({ update_id: 21, message: { ...userMessage, chat: { id: "9".repeat(3 * maxRawChars), type: "private" } } });
    expect(huge.reason.length).toBeLessThanOrEqual(301);
    expect(huge.raw.length).toBeLessThan(maxRawChars + 100);
    expect(huge.raw).toMatch(/… \(truncated; \d+ characters in all\)$/);
    // A huge text where a text belongs is fine: Telegram would not send it, but nothing breaks on it.
    expect(decodeUpdate({ update_id: 22, message: { ...userMessage, text: "x".repeat(2_000_000) } }, "telegram").ok).toBe(true);
  });

  it("never throws on deep nesting, wherever it is (a reason quoting the value would overflow the stack)", () => {
    const nest = (depth: number, kind: "object" | "array") => {
      let v: unknown = 1;
      for (let i = 0; i < depth; i++) v = kind === "object" ? { a: v } : [v];
      return v;
    };
    for (const kind of ["object", "array"] as const) {
      const deep = nest(100_000, kind);
      for (const raw of [{ update_id: deep }, { update_id: 1, message: { ...userMessage, chat: deep } }, { update_id: 1, message: { ...userMessage, text: deep } }]) {
        const decoded = failure(raw);
        expect(decoded.reason.length).toBeGreaterThan(0);
        expect(typeof decoded.raw).toBe("string");
      }
      // Under a field nobody reads it decodes; whether it can be written back depends on the
      // runtime's JSON.stringify (Node 20 overflows, Deno does not), and either way nothing throws.
      const unread = decodeUpdate({ update_id: 1, extra: deep }, "telegram");
      if (!unread.ok) expect(unread.reason).toMatch(/^update: cannot be stored as JSON/);
      // With the text it came as (the webhook's body), that text is what is stored.
      const text = `{"update_id":1,"extra":${"[".repeat(5000)}${"]".repeat(5000)}}`;
      expect(decodeUpdate(JSON.parse(text), "telegram", text)).toMatchObject({ ok: true, payload: text });
    }
  });

  it("decodes inbox rows saved before decoding existed: poison or not JSON at all", () => {
    expect(decodeStored(JSON.stringify(good[0])).ok).toBe(true);
    expect(decodeStored(JSON.stringify({ update_id: -3, switchboard_intercepted: { chat_id: 1, message: userMessage } })).ok).toBe(true);
    const poison = JSON.stringify({ update_id: 30, message: { ...userMessage, chat: { id: true, type: "private" } } });
    expect(decodeStored(poison)).toEqual({ ok: false, updateId: 30, reason: "message.chat.id: Expected number, actual true", raw: poison });
    expect(decodeStored("{broken")).toMatchObject({ ok: false, updateId: null, raw: "{broken" });
    expect((decodeStored("{broken") as Undecodable).reason).toMatch(/^update: stored text is not JSON/);
  });
});
