/** Against an emulator that enforces Telegram's limits, Switchboard's own pacing provokes no 429. */
import { afterEach, describe, expect, it } from "vitest";
import { telegramLimits } from "../../src/pipeline/rate-limits.ts";
import { botMessagesTo, closeAll, createWorld, startSwitchboard, topicMessages, topicNamed, waitFor } from "../support/world.ts";

afterEach(closeAll);

describe("Telegram's limits", () => {
  it("paces a burst to one private chat and to the group without a single 429", async () => {
    const w = (await createWorld({ enforceRateLimits: true }));
    let running = await startSwitchboard(w, { limits: telegramLimits });
    const ann = w.emulator.createUser({ firstName: "Ann" });
    const ben = w.emulator.createUser({ firstName: "Ben" });
    for (let i = 0; i < 4; i++) w.emulator.userSends(w.bot.token, ann.id, { text: `a${i}` });
    for (let i = 0; i < 4; i++) w.emulator.userSends(w.bot.token, ben.id, { text: `b${i}` });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    await waitFor(() => topicMessages(w, topic.threadId).length === 4, "Ann's copies", 30_000);

    // Six answers to one user: a burst of three, then one per second.
    for (let i = 0; i < 6; i++) w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: `answer ${i}` });
    await waitFor(() => botMessagesTo(w, ann.id).filter((m) => m.text?.startsWith("answer")).length === 6, "all answers", 30_000);
    expect(botMessagesTo(w, ann.id).filter((m) => m.text?.startsWith("answer")).map((m) => m.text)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `answer ${i}`));
    await waitFor(() => topicNamed(w, "Ben") && topicMessages(w, topicNamed(w, "Ben")!.threadId).length === 4, "Ben's copies", 30_000);

    expect(w.emulator.stats().rateLimited).toBe(0);
    expect(running.bots[0].delivery.stats.rateLimited).toBe(0);
  });
});
