/**
 * Poison updates end to end (issue 10, items 1 and 3), through the emulator playing a broken
 * Bot API server: a boolean where an id belongs, no usable update_id, `{}`. Before the fix the
 * first aborted the process inside the SQLite driver (exit 134, again at every start, since the
 * update stayed in the inbox) and the others stalled intake forever. Now each is set aside as a
 * dead letter (kept, counted, logged once with its id), the offset moves past it, and the
 * messages after it are relayed. `switchboard inbox --dead` shows them.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { countDeadLetters, listDeadLetters } from "../../src/store/dead-letters.ts";
import { openStore } from "../../src/store/open.ts";
import { runCli } from "../support/cli.ts";
import { closeAll, createWorld, firstContact, freePort, logLines, startSwitchboard, topicMessages, waitFor, type World } from "../support/world.ts";

afterEach(closeAll);

/** A private message of a user the emulator does not know, with `change` applied (a broken server's). */
const userMessage = (change: (m: Record<string, any>) => void = () => {}) => {
  const message: Record<string, any> = { message_id: 4242, date: 1_700_000_000, chat: { id: 777001, type: "private", first_name: "Mallory" }, from: { id: 777001, is_bot: false, first_name: "Mallory" }, text: "poison" };
  change(message);
  return { message };
};

const poisons = (w: World) => [
  userMessage((m) => (m.chat.id = true)),
  userMessage((m) => (m.from.id = true)),
  { message: { message_id: 4243, date: 0, chat: { id: w.groupId, type: "supergroup" }, from: { id: w.operator.id, is_bot: false, first_name: "Olga" }, message_thread_id: true, is_topic_message: true, text: "x" } },
  { message: { message_id: 4244, date: 0, chat: { id: w.groupId, type: "supergroup" }, from: { id: w.operator.id, is_bot: false, first_name: "Olga" }, message_thread_id: 5, is_topic_message: true, reply_to_message: { message_id: true }, text: "x" } },
  { my_chat_member: { chat: { id: true, type: "private" }, date: 0, old_chat_member: { status: "member" }, new_chat_member: { status: "kicked" } } },
  { update_id: null, message: userMessage().message },
];

describe("poison updates", () => {
  it("over polling: set aside as dead letters, counted, logged once; the offset moves past them and the stream goes on", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w);
    const { user, topic } = await firstContact(w, "Ann", "before");
    for (const poison of poisons(w)) w.emulator.injectUpdate(w.bot.token, poison);
    w.emulator.injectUpdate(w.bot.token, {}, { exact: true });
    w.emulator.userSends(w.bot.token, user.id, { text: "after" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "after"), "the message after the poison");

    const letters = await listDeadLetters(running.db, { botId: "acme", limit: 100 });
    expect(letters).toHaveLength(7);
    expect(letters.map((l) => l.reason).sort()).toEqual([
      "message.chat.id: Expected number, actual true",
      "message.from.id: Expected number, actual true",
      "message.message_thread_id: Expected number, actual true",
      "message.reply_to_message.message_id: Expected number, actual true",
      "my_chat_member.chat.id: Expected number, actual true",
      "update_id: Expected number, actual null",
      "update_id: is missing",
    ]);
    expect(letters.every((l) => l.source === "polling")).toBe(true);
    expect(letters.filter((l) => l.updateId === null)).toHaveLength(2);
    expect(running.bots[0].inbox.deadLettered).toBe(7);
    // Logged once each, with the update id.
    const logged = logLines.filter((l) => l.includes("update set aside as a dead letter"));
    expect(logged).toHaveLength(7);
    expect(logged.filter((l) => l.includes("update_id=none"))).toHaveLength(2);
    // Nothing was relayed for them, and intake did not stall.
    expect(topicMessages(w, topic.threadId).map((m) => m.text)).toEqual(["before", "after"]);
    expect(logLines.some((l) => l.includes("could not save updates"))).toBe(false);

    // The offset moved past them: a restart fetches none of them again.
    await running.stop();
    const again = await startSwitchboard(w);
    w.emulator.userSends(w.bot.token, user.id, { text: "after restart" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "after restart"), "the message after a restart");
    expect(await countDeadLetters(again.db)).toEqual(new Map([["acme", 7]]));
  });

  it("a poison row already in the inbox (a store from before the fix) is moved to the dead letters at start, not crashing", async () => {
    const w = await createWorld();
    const first = await startSwitchboard(w);
    const { user, topic } = await firstContact(w, "Ann", "before");
    await first.stop();
    // What an older version saved: it aborted on the first, and on the second at every start.
    const db = await openStore(`sqlite:${w.dbPath}`);
    const poison = JSON.stringify({ update_id: 900, ...userMessage((m) => (m.chat.id = true)) });
    await db.insertInto("inbox").values([
      { bot_id: "acme", update_id: 900, payload: poison, received_at: 0, processed: 0 },
      { bot_id: "acme", update_id: 901, payload: "{not json", received_at: 0, processed: 0 },
    ]).execute();
    await db.destroy();

    const running = await startSwitchboard(w);
    w.emulator.userSends(w.bot.token, user.id, { text: "after" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "after"), "the message after the poison rows");
    const letters = await listDeadLetters(running.db, { limit: 10 });
    expect(letters.map((l) => [l.updateId, l.source, l.raw])).toEqual([[901, "inbox", "{not json"], [900, "inbox", poison]]);
    expect(letters[1].reason).toBe("message.chat.id: Expected number, actual true");
    const left = await running.db.selectFrom("inbox").select("update_id").where("update_id", "in", [900, 901]).execute();
    expect(left).toEqual([]);
  });

  it("over a webhook: a well-formed but undecodable update is answered 200 after it is set aside; bad JSON is 400", async () => {
    const w = await createWorld();
    const port = await freePort();
    const running = await startSwitchboard(w, {
      extra: `    updates: webhook
    webhook: { url: "http://127.0.0.1:${port}/hook", listen: "127.0.0.1:${port}", secret: "s3cret" }`,
    });
    const { user, topic } = await firstContact(w, "Ann", "before");
    const post = (body: string) => fetch(`http://127.0.0.1:${port}/hook`, { method: "POST", body, headers: { "x-telegram-bot-api-secret-token": "s3cret", "content-type": "application/json" } });
    const bodies = [...poisons(w).map((p, i) => JSON.stringify({ update_id: 500 + i, ...p })), "{}", '{"update_id":null}'];
    for (const body of bodies) expect((await post(body)).status).toBe(200);
    expect((await post(bodies[0])).status).toBe(200); // re-delivered: kept once
    expect((await post("{not json")).status).toBe(400);
    // Also through the emulator's own webhook push, which would retry anything but a 2xx forever.
    w.emulator.injectUpdate(w.bot.token, userMessage((m) => (m.chat.id = true)));
    w.emulator.userSends(w.bot.token, user.id, { text: "after" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "after"), "the message after the poison");
    const letters = await listDeadLetters(running.db, { limit: 100 });
    expect(letters).toHaveLength(bodies.length + 1);
    // The body is kept exactly as it came.
    expect(letters.filter((l) => l.source === "webhook").map((l) => l.raw).sort()).toEqual([...bodies, letters[0].raw].sort());
    expect(running.bots[0].inbox.deadLettered).toBe(bodies.length + 1);
  });

  it("switchboard inbox lists pending counts per bot, and --dead the dead letters with their id, bot, reason, time and raw body", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w);
    const { user, topic } = await firstContact(w, "Ann", "before");
    w.emulator.injectUpdate(w.bot.token, userMessage((m) => (m.chat.id = true)));
    w.emulator.injectUpdate(w.bot.token, { update_id: null, huge: "y".repeat(5_000) });
    w.emulator.userSends(w.bot.token, user.id, { text: "after" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "after"), "the message after the poison");
    await running.stop();
    const config = join(w.dir, "switchboard.yaml");
    writeFileSync(config, w.yaml());

    const dead = await runCli(["inbox", "--dead", "--config", config], { ACME_TOKEN: w.bot.token });
    expect(dead.code).toBe(0);
    expect(dead.output).toContain(`Dead letters in sqlite:${w.dbPath}: 2`);
    expect(dead.output).toMatch(/#2 {2}bot acme {2}update \(no usable id\) {2}from polling {2}at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n {2}reason: update_id: Expected number, actual null\n {2}raw: {4}\{"update_id":null,"huge":"yyyy/);
    expect(dead.output).toMatch(/y… \(5\d{3} characters\)\n/);
    expect(dead.output).toMatch(/#1 {2}bot acme {2}update \d+ {2}from polling .*\n {2}reason: message\.chat\.id: Expected number, actual true\n {2}raw: {4}\{"update_id":\d+,"message":\{"message_id":4242/);
    expect(dead.output).toContain("2 dead letters: acme 2");

    const counts = await runCli(["inbox", "--config", config], { ACME_TOKEN: w.bot.token });
    expect(counts.code).toBe(0);
    expect(counts.output).toMatch(/acme: 0 pending, \d+ processed \(kept 24 h against re-deliveries\), 2 dead letters/);
  });
});
