/**
 * One topic per user even when createForumTopic's answer is lost: the bot's own
 * `forum_topic_created` service message adopts the topic of a creation in doubt, and a second
 * topic made anyway (the retry overtook the service message) or a topic nobody owns is deleted.
 */
import { afterEach, describe, expect, it } from "vitest";
import { advanceUntil, closeAll, createWorld, startSwitchboard, topicMessages, waitFor } from "../support/world.ts";

afterEach(closeAll);

const texts = (ms: { text?: string }[]) => ms.map((m) => m.text ?? "");

describe("topic creations in doubt", () => {
  // On the TestClock, never moved: a retry cannot happen, so only adoption can bring the messages.
  it("a lost createForumTopic answer: the topic is adopted from its service message, not created again", async () => {
    const w = await createWorld();
    await startSwitchboard(w, { testClock: true });
    w.emulator.injectFault({ method: "createForumTopic", kind: "drop-after" });
    const ann = w.emulator.createUser({ firstName: "Ann" });
    for (const text of ["m1", "m2", "m3"]) w.emulator.userSends(w.bot.token, ann.id, { text });

    const topic = await waitFor(() => w.emulator.topics(w.groupId).find((t) => t.name.includes("Ann")), "Ann's topic");
    await waitFor(() => topicMessages(w, topic.threadId).length === 3, "the three copies in it");
    expect(texts(topicMessages(w, topic.threadId))).toEqual(["m1", "m2", "m3"]);
    expect(w.emulator.topics(w.groupId)).toHaveLength(1);
    expect(w.emulator.stats().calls.createForumTopic).toBe(1);
  });

  it("the retry overtakes the service message: the conversation keeps its new topic and the first one is deleted", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w, { testClock: true });
    w.emulator.injectFault({ method: "createForumTopic", kind: "drop-after" });
    // Telegram is slow to deliver the first topic's service message (and everything after it).
    let held = false;
    w.emulator.onChange((e) => {
      if (!held && e.type === "message" && (e.data as { forum_topic_created?: unknown }).forum_topic_created) {
        held = true;
        w.emulator.holdUpdates(w.bot.token, true);
      }
    });
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "m1" });
    const first = await waitFor(() => w.emulator.topics(w.groupId)[0], "the first topic");

    // The retry waits its moment on the Clock, then creates a second topic, which is recorded.
    const second = await advanceUntil(running, () => w.emulator.topics(w.groupId)[1], "the retry's topic");
    await waitFor(async () => (await running.bots[0].conversation(ann.id))?.topicId === second.threadId, "the second topic recorded");
    w.emulator.holdUpdates(w.bot.token, false);

    await waitFor(() => w.emulator.topics(w.groupId).find((t) => t.threadId === first.threadId)?.deleted, "the first topic deleted");
    await waitFor(() => topicMessages(w, second.threadId).length === 1, "m1 in the second topic");
    expect(texts(topicMessages(w, second.threadId))).toEqual(["m1"]);
    expect(w.emulator.topics(w.groupId).filter((t) => !t.deleted).map((t) => t.threadId)).toEqual([second.threadId]);
  });

  it("a topic the bot created that no conversation owns is deleted", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    // As if made by a creation whose record was lost: the bot's own topic, claimed by nobody.
    const made = await w.emulator.call(w.bot.token, "createForumTopic", { chat_id: w.groupId, name: "🟪 Nobody" });
    const threadId = (made as { result: { message_thread_id: number } }).result.message_thread_id;
    await waitFor(() => w.emulator.topics(w.groupId).find((t) => t.threadId === threadId)?.deleted, "the orphan deleted");
  });

  it("two users with the same name and a lost answer: each gets one topic of their own", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w, { testClock: true });
    w.emulator.injectFault({ method: "createForumTopic", kind: "drop-after" });
    const anns = [w.emulator.createUser({ firstName: "Ann" }), w.emulator.createUser({ firstName: "Ann" })];
    for (const [i, ann] of anns.entries()) w.emulator.userSends(w.bot.token, ann.id, { text: `from ann ${i}` });

    // The second creation of the same title waits for the first (a title names one creation).
    const topicOf = async (chatId: number) => (await running.bots[0].conversation(chatId))?.topicId;
    await advanceUntil(running, async () => (await topicOf(anns[0].id)) && (await topicOf(anns[1].id)), "both topics recorded");
    for (const [i, ann] of anns.entries()) {
      const threadId = (await topicOf(ann.id))!;
      await waitFor(() => topicMessages(w, threadId).length === 1, `ann ${i}'s copy`);
      expect(texts(topicMessages(w, threadId))).toEqual([`from ann ${i}`]);
    }
    expect(w.emulator.topics(w.groupId).filter((t) => !t.deleted)).toHaveLength(2);
  });
  // Seen in the kill test: an orphan's deletion waited for every creation in the store, and a
  // creation in doubt (no attempt running: it waits to be tried again) held it across restarts,
  // so the user kept two topics. Only a createForumTopic whose answer may still come can claim
  // the orphan; a creation merely recorded cannot. On the TestClock, never moved: no retry runs.
  it("an orphan is deleted while another conversation's creation is in doubt", async () => {
    const w = await createWorld();
    await startSwitchboard(w, { testClock: true });
    // Bob's creation is cut before Telegram applies it: recorded, in doubt, and (the Clock never
    // moving) never tried again.
    w.emulator.injectFault({ method: "createForumTopic", kind: "drop-before" });
    const bob = w.emulator.createUser({ firstName: "Bob" });
    w.emulator.userSends(w.bot.token, bob.id, { text: "hello" });
    await waitFor(() => (w.emulator.stats().calls.createForumTopic ?? 0) >= 1, "Bob's creation sent");

    const made = await w.emulator.call(w.bot.token, "createForumTopic", { chat_id: w.groupId, name: "🟪 Nobody" });
    const threadId = (made as { result: { message_thread_id: number } }).result.message_thread_id;
    await waitFor(() => w.emulator.topics(w.groupId).find((t) => t.threadId === threadId)?.deleted, "the orphan deleted");
    expect(w.emulator.topics(w.groupId).filter((t) => !t.deleted)).toHaveLength(0);
  });
});
