/**
 * The fuzz test of issue 10: a few hundred malformed updates, generated deterministically
 * (seeded) from valid templates — wrong types in every id field, nulls, no update_id, `{}`, huge
 * texts, unknown kinds, deep nesting — fed through polling and through the webhook receiver by
 * the emulator playing a broken Bot API server, each followed by a canary message of a real
 * user in the same stream. The deployment must stay up, every canary must reach the user's topic
 * exactly once and in order, and every update that is certainly poison must be a dead letter.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Running } from "../../src/run.ts";
import { listDeadLetters } from "../../src/store/dead-letters.ts";
import { malformedUpdates, seeded, type Template } from "../support/malformed-updates.ts";
import { exchange, rawPost } from "../support/raw-http.ts";
import { closeAll, createWorld, firstContact, freePort, logLines, startSwitchboard, topicMessages, waitFor, type World } from "../support/world.ts";

afterEach(closeAll);

/** Per leg: enough to hit every mutation many times, few enough for well under a minute. */
const perLeg = 150;

/** Valid updates of Mallory (a real user with a topic) and the operator, in the shapes Telegram sends. */
function templates(w: World, mallory: { id: number; first_name: string }, messageId: number): Template[] {
  const from = { id: mallory.id, is_bot: false, first_name: mallory.first_name };
  const chat = { id: mallory.id, type: "private", first_name: mallory.first_name };
  const message = { message_id: messageId, from, chat, date: 1_700_000_000, text: "fuzz", entities: [{ type: "bold", offset: 0, length: 4 }], reply_to_message: { message_id: messageId, from, chat, date: 1_700_000_000 } };
  const privateRead = (k: string) => [[`${k}.text`, "string"], [`${k}.from.first_name`, "string"], [`${k}.from.is_bot`, "boolean"], [`${k}.chat.type`, "string"], [`${k}.entities`, "array"]] as const;
  const privateIds = (k: string) => [`${k}.message_id`, `${k}.chat.id`, `${k}.from.id`, `${k}.reply_to_message.message_id`, `${k}.date`];
  const olga = { id: w.operator.id, is_bot: false, first_name: "Olga" };
  const group = { id: w.groupId, type: "supergroup", title: "Acme operators", is_forum: true };
  return [
    { name: "user message", body: { message }, ids: privateIds("message"), read: privateRead("message"), text: "message.text" },
    { name: "user edit", body: { edited_message: { ...message, edit_date: 1_700_000_100 } }, ids: privateIds("edited_message"), read: privateRead("edited_message"), text: "edited_message.text" },
    {
      name: "operator message",
      // In a topic of no conversation: routed and dropped when well-formed.
      body: { message: { message_id: 1, from: olga, chat: group, date: 1_700_000_000, message_thread_id: 987_654, is_topic_message: true, reply_to_message: { message_id: 987_654, chat: group, date: 0 }, text: "fuzz answer" } },
      ids: ["message.message_id", "message.chat.id", "message.from.id", "message.message_thread_id", "message.reply_to_message.message_id"],
      read: [["message.is_topic_message", "boolean"], ["message.text", "string"], ["message.chat.type", "string"], ["message.from.is_bot", "boolean"]],
      text: "message.text",
    },
    {
      name: "reaction",
      body: { message_reaction: { chat, message_id: messageId, user: from, date: 1_700_000_000, old_reaction: [], new_reaction: [{ type: "emoji", emoji: "👍" }] } },
      ids: ["message_reaction.chat.id", "message_reaction.message_id", "message_reaction.user.id"],
      read: [["message_reaction.new_reaction", "array"], ["message_reaction.chat.type", "string"], ["message_reaction.user.is_bot", "boolean"]],
    },
    {
      name: "membership",
      // No block change: routed and dropped when well-formed.
      body: { my_chat_member: { chat, from, date: 1_700_000_000, old_chat_member: { status: "member", user: from }, new_chat_member: { status: "member", user: from } } },
      ids: ["my_chat_member.chat.id"],
      read: [["my_chat_member.new_chat_member.status", "string"], ["my_chat_member.old_chat_member.status", "string"], ["my_chat_member.chat.type", "string"]],
    },
    {
      name: "channel post",
      // In a channel nobody monitors: routed and dropped when well-formed.
      body: { channel_post: { message_id: 3, chat: { id: -1009876543210, type: "channel", title: "Fuzz news", username: "fuzznews" }, date: 1_700_000_000, text: "fuzz post", is_automatic_forward: false } },
      ids: ["channel_post.message_id", "channel_post.chat.id", "channel_post.date"],
      read: [["channel_post.text", "string"], ["channel_post.chat.type", "string"], ["channel_post.chat.title", "string"], ["channel_post.chat.username", "string"], ["channel_post.is_automatic_forward", "boolean"]],
      text: "channel_post.text",
    },
  ];
}

/** Mallory and the canary user Cora, each with a topic; the malformed updates of `seed`. */
async function setUp(w: World, seed: number) {
  const mallory = await firstContact(w, "Mallory", "a real message");
  const realId = w.emulator.messages(mallory.user.id).find((m) => m.text === "a real message")!.message_id;
  const cora = await firstContact(w, "Cora", "hello");
  return { cora, malformed: malformedUpdates(templates(w, mallory.user, realId), perLeg, seeded(seed)) };
}

/** Canaries arrived in Cora's topic: all of them, once each, in order. */
async function expectCanaries(w: World, threadId: number) {
  const expected = Array.from({ length: perLeg }, (_, i) => `canary ${i}`);
  const canaries = () => topicMessages(w, threadId).map((m) => m.text).filter((t) => t !== undefined && /^canary \d+$/.test(t));
  await waitFor(() => canaries().length >= perLeg, `${perLeg} canaries`, 45_000).catch((e) => {
    throw new Error(`${e.message}; got ${canaries().length}`);
  });
  expect(canaries()).toEqual(expected);
}

/** Every update that is certainly poison is a dead letter (matched by its raw text), and the deployment runs on. */
async function expectSetAside(running: Running, queued: readonly { raw: string; poison: boolean }[], source: string) {
  const letters = await listDeadLetters(running.db, { botId: "acme", limit: 10_000 });
  const kept = new Set(letters.map((l) => l.raw));
  const missing = queued.filter((q) => q.poison && !kept.has(q.raw));
  expect(missing.map((q) => q.raw.slice(0, 200))).toEqual([]);
  expect(letters.every((l) => l.source === source)).toBe(true);
  expect(letters.length).toBeLessThanOrEqual(queued.length);
  // Each was logged once; nothing stalled or failed on the way.
  expect(logLines.filter((l) => l.includes("update set aside as a dead letter"))).toHaveLength(letters.length);
  for (const bad of ["could not save updates", "could not save a webhook update", "update could not be routed", "could not set aside", "batch failed"]) {
    expect(logLines.filter((l) => l.includes(bad))).toEqual([]);
  }
  expect(running.bots[0].inbox.deadLettered).toBe(letters.length);
}

describe("fuzz: malformed updates", () => {
  it(`through polling: ${perLeg} malformed updates, each followed by a canary; all canaries relayed in order`, async () => {
    logLines.length = 0;
    const w = await createWorld();
    const running = await startSwitchboard(w);
    const { cora, malformed } = await setUp(w, 0x10_0001);
    const queued: { raw: string; poison: boolean }[] = [];
    for (const [i, m] of malformed.entries()) {
      const update = w.emulator.injectUpdate(w.bot.token, m.body, { exact: m.exact });
      queued.push({ raw: JSON.stringify(update), poison: m.poison });
      w.emulator.userSends(w.bot.token, cora.user.id, { text: `canary ${i}` });
    }
    await expectCanaries(w, cora.topic.threadId);
    await expectSetAside(running, queued, "polling");
    expect(queued.filter((q) => q.poison).length).toBeGreaterThan(perLeg / 3);
  }, 60_000);

  it(`through the webhook receiver: ${perLeg} malformed updates pushed by the emulator, plus bodies nested thousands deep; all canaries relayed in order`, async () => {
    logLines.length = 0;
    const w = await createWorld();
    const port = await freePort();
    const running = await startSwitchboard(w, {
      extra: `    updates: webhook
    webhook: { url: "http://127.0.0.1:${port}/hook", listen: "127.0.0.1:${port}", secret: "s3cret" }`,
    });
    const { cora, malformed } = await setUp(w, 0x10_0002);
    const queued: { raw: string; poison: boolean }[] = [];
    for (const [i, m] of malformed.entries()) {
      const update = w.emulator.injectUpdate(w.bot.token, m.body, { exact: m.exact });
      queued.push({ raw: JSON.stringify(update), poison: m.poison });
      w.emulator.userSends(w.bot.token, cora.user.id, { text: `canary ${i}` });
    }
    // Deeper than the emulator can write on Node 20: posted straight to the receiver, as Telegram
    // would, on a connection of their own (fetch's pool shares the emulator's kept-alive ones,
    // which a loaded machine can see closed under it — a reset that says nothing of the receiver).
    const deep = [5_000, 100_000].map((depth) =>
      rawPost("/hook", `{"update_id":${900_000_000 + depth},"message":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"},"text":${"[".repeat(depth)}${"]".repeat(depth)}}}`, { headers: { "X-Telegram-Bot-Api-Secret-Token": "s3cret" } })
    );
    const { answers, ended } = await exchange(port, deep, deep.length);
    expect({ ended, statuses: answers.map((a) => a.status) }).toEqual({ ended: undefined, statuses: [200, 200] });
    await expectCanaries(w, cora.topic.threadId);
    await expectSetAside(running, queued, "webhook");
  }, 60_000);
});
