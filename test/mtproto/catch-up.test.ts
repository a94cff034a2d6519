/**
 * What Telegram does not promise an extra MTProto session, and how Switchboard recovers:
 * lost pushes (gap → getDifference), a dropped connection (updatesTooLong → catch-up), a
 * restart (catch-up from the stored state), a crash before the state was saved (re-fetched,
 * deduplicated), users the fresh session has never seen, and our own sends echoed before
 * their HTTP answer.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open.ts";
import { FakeMtproto } from "../support/fake-mtproto.ts";
import { botMessagesTo, closeAll, createWorld, startSwitchboard, topicMessages, topicNamed, waitFor, type World } from "../support/world.ts";

const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  await closeAll();
});

const extra = `    parallel: { mode: mtproto, api_id: 12345, api_hash: "0123456789abcdef0123456789abcdef" }\n    params: { welcome: off }\n`;

async function setup() {
  const w = await createWorld();
  const fake = new FakeMtproto(w.emulator, w.bot);
  cleanups.push(() => fake.close());
  const start = () => startSwitchboard(w, { extra, mtprotoClient: fake.factory });
  return { w, fake, start };
}

const texts = (w: World, threadId: number) => topicMessages(w, threadId).map((m) => m.text);
/** The other system sends through the Bot API (as n8n or a script would). */
const otherSystemSends = (w: World, chatId: number, text: string) => w.emulator.call(w.bot.token, "sendMessage", { chat_id: chatId, text });

async function openTopic(w: World, name: string) {
  const user = w.emulator.createUser({ firstName: name });
  w.emulator.userSends(w.bot.token, user.id, { text: "hello" });
  const topic = await waitFor(() => topicNamed(w, name), `topic of ${name}`);
  await waitFor(() => texts(w, topic.threadId).includes("hello"), "first message relayed");
  return { user, topic };
}

describe("MTProto mode: gaps and catch-up", () => {
  it("fetches a difference when a push is lost, and keeps the order", async () => {
    const { w, fake, start } = await setup();
    await start();
    const { user, topic } = await openTopic(w, "Ann");
    // The start's catch-up fetched a difference too: only one after the lost push counts here.
    const before = fake.calls.length;
    fake.dropPushes(1);
    w.emulator.userSends(w.bot.token, user.id, { text: "this push is lost" });
    w.emulator.userSends(w.bot.token, user.id, { text: "this one reveals the gap" });
    await waitFor(() => texts(w, topic.threadId).includes("this one reveals the gap"), "both relayed");
    expect(texts(w, topic.threadId)).toEqual(["hello", "this push is lost", "this one reveals the gap"]);
    expect(fake.calls.slice(before)).toContain("updates.getDifference");
  });

  it("counts as started only once the first session has its update state: a message right after the start is relayed", async () => {
    const { w, fake, start } = await setup();
    // Telegram is slow to answer the fresh session's getState. A message logged before that
    // answer is part of the state and never pushed again, so the session must not count as
    // receiving until it has the state.
    fake.stateLatencyMs = 500;
    await start();
    const { topic } = await openTopic(w, "Ann");
    expect(texts(w, topic.threadId)).toEqual(["hello"]);
  });

  it("a reconnection during the first catch-up does not count as caught up: a message right after the start is relayed", async () => {
    const { w, fake, start } = await setup();
    // mtcute says "connected" both when the catch-up ends and whenever a connection becomes
    // usable; the latter, while getState is still out, must not end the wait.
    fake.stateLatencyMs = 500;
    fake.usableDuringState = true;
    await start();
    const { topic } = await openTopic(w, "Ann");
    expect(texts(w, topic.threadId)).toEqual(["hello"]);
  });

  it("catches up users, operators and the other system after a dropped connection", async () => {
    const { w, fake, start } = await setup();
    await start();
    const { user, topic } = await openTopic(w, "Ann");
    fake.goOffline();
    w.emulator.userSends(w.bot.token, user.id, { text: "while disconnected" });
    await otherSystemSends(w, user.id, "scenario reply while disconnected");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "operator while disconnected" });
    await new Promise((r) => setTimeout(r, 200));
    expect(texts(w, topic.threadId)).toEqual(["hello", "operator while disconnected"]); // only the operator's own post
    fake.comeBack();
    await waitFor(() => botMessagesTo(w, user.id).some((m) => m.text === "operator while disconnected"), "operator's message relayed after reconnect");
    await waitFor(() => texts(w, topic.threadId).includes("🤖 scenario reply while disconnected"), "intercepted after reconnect");
    expect(texts(w, topic.threadId).filter((t) => t === "while disconnected")).toHaveLength(1);
    expect(fake.calls).toContain("updates.getChannelDifference");
  });

  it("after a restart, delivers what happened meanwhile exactly once, without logging in again", async () => {
    const { w, fake, start } = await setup();
    const first = await start();
    const { user, topic } = await openTopic(w, "Ann");
    await first.stop();
    w.emulator.userSends(w.bot.token, user.id, { text: "while Switchboard was down" });
    await otherSystemSends(w, user.id, "the other system answered meanwhile");
    await start();
    await waitFor(() => texts(w, topic.threadId).includes("🤖 the other system answered meanwhile"), "caught up after restart", 30_000);
    expect(texts(w, topic.threadId)).toEqual(["hello", "while Switchboard was down", "🤖 the other system answered meanwhile"]);
    expect(fake.logins).toBe(1); // the session (auth, state, peers) was in our SQL store
  });

  it("after a crash before the update state was saved, re-fetched updates are not relayed twice", async () => {
    const { w, start } = await setup();
    const first = await start();
    const { user, topic } = await openTopic(w, "Ann");
    w.emulator.userSends(w.bot.token, user.id, { text: "second" });
    await waitFor(() => texts(w, topic.threadId).includes("second"), "second relayed");
    await first.stop();
    // A crash between the inbox commit and the state save leaves the stored pts behind.
    const db = await openStore(`sqlite:${w.dbPath}`);
    const pts = await db.selectFrom("mtproto_kv").select("value").where("key", "=", "updates_pts").executeTakeFirstOrThrow();
    const rewound = new DataView(new Uint8Array(Buffer.from(pts.value, "base64")).buffer);
    rewound.setInt32(0, rewound.getInt32(0, true) - 2, true);
    await db.updateTable("mtproto_kv").set({ value: Buffer.from(new Uint8Array(rewound.buffer)).toString("base64") }).where("key", "=", "updates_pts").execute();
    await db.destroy();

    const again = await start();
    // Catch-up from the rewound state fetches "hello" and "second" again; the inbox drops both.
    await waitFor(() => again.bots[0].mtproto!.stats.refetched === 2, "re-fetched updates dropped");
    w.emulator.userSends(w.bot.token, user.id, { text: "third" });
    await waitFor(() => texts(w, topic.threadId).includes("third"), "third relayed");
    await again.bots[0].mtproto!.drained();
    expect(texts(w, topic.threadId)).toEqual(["hello", "second", "third"]);
    expect(again.bots[0].mtproto!.stats.refetched).toBe(2);
  });

  it("names users the fresh session has never seen (short updates without users)", async () => {
    const { w, fake, start } = await setup();
    fake.shortUpdates = true;
    await start();
    const bea = w.emulator.createUser({ firstName: "Bea", lastName: "Newcomer" });
    w.emulator.userSends(w.bot.token, bea.id, { text: "first time here" });
    const topic = await waitFor(() => topicNamed(w, "Bea Newcomer"), "topic named after the unknown user");
    await waitFor(() => texts(w, topic.threadId).includes("first time here"), "relayed");
    expect(fake.calls).toContain("updates.getDifference");
  });

  it("recognises its own sends even when Telegram pushes them before the Bot API answers", async () => {
    const { w, fake, start } = await setup();
    fake.immediatePushes = true;
    const sb = await start();
    const { user, topic } = await openTopic(w, "Ann");
    for (let i = 1; i <= 5; i++) w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: `answer ${i}` });
    await waitFor(() => botMessagesTo(w, user.id).filter((m) => m.text?.startsWith("answer")).length === 5, "answers delivered");
    await otherSystemSends(w, user.id, "scenario message");
    await waitFor(() => texts(w, topic.threadId).includes("🤖 scenario message"), "the other system's message intercepted");
    const session = sb.bots[0].mtproto!;
    await session.drained();
    expect(texts(w, topic.threadId).filter((t) => t?.startsWith("🤖"))).toEqual(["🤖 scenario message"]);
    expect(session.stats.ownEchoes).toBe(5);
    // (Whether an echo really beat its HTTP answer here depends on scheduling; own-sends.test.ts forces it.)
  });
});
