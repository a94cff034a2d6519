/** autoclose: durable timers on Effect's TestClock — time moves only when the test says so. */
import { TestClock } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import { closeAll, createWorld, startSwitchboard, topicMessages, topicNamed, waitFor, type World } from "../support/world.ts";

afterEach(closeAll);
const minutes = (n: number) => `${n} minutes` as const;

async function answeredDialog(w: World) {
  const ann = w.emulator.createUser({ firstName: "Ann" });
  w.emulator.userSends(w.bot.token, ann.id, { text: "help" });
  const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
  w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "done, anything else?" });
  await waitFor(() => topicNamed(w, "Ann")?.name === "🟨 Ann", "🟨");
  return { ann, topic };
}

describe("autoclose", () => {
  it("closes a 🟨 dialog after the configured hours (fractions allowed)", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w, { extra: `    params: { autoclose: 0.5 }`, testClock: true });
    const { topic } = await answeredDialog(w);
    await running.run(TestClock.adjust(minutes(29)));
    await running.bots[0].fireTimers();
    expect(running.bots[0].timers.fired).toBe(0);
    await running.run(TestClock.adjust(minutes(2)));
    await waitFor(() => topicNamed(w, "Ann")?.closed && topicNamed(w, "Ann")?.name === "⬛️ Ann", "closed by autoclose");
    expect(topicMessages(w, topic.threadId).some((m) => m.text?.includes("Closed automatically: no message from the user for 30 minutes"))).toBe(true);
  });

  it("a new user message cancels the countdown", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w, { extra: `    params: { autoclose: 1 }`, testClock: true });
    const { ann, topic } = await answeredDialog(w);
    w.emulator.userSends(w.bot.token, ann.id, { text: "one more question" });
    await waitFor(() => topicNamed(w, "Ann")?.name === "🟪 Ann", "🟪 again");
    await running.run(TestClock.adjust(minutes(120)));
    await running.bots[0].fireTimers();
    expect(running.bots[0].timers.fired).toBe(0);
    expect((await running.bots[0].conversation(ann.id))?.state).toBe("topic-open");
    expect(topicMessages(w, topic.threadId).some((m) => m.text?.includes("Closed automatically"))).toBe(false);
  });

  it("survives a restart: the deadline is a row, not a setTimeout", async () => {
    const w = await createWorld();
    const first = await startSwitchboard(w, { extra: `    params: { autoclose: 2 }`, testClock: true });
    await answeredDialog(w);
    await first.stop();
    // The next start's clock begins 121 minutes after this one's: the deadline is in the store.
    const second = await startSwitchboard(w, { extra: `    params: { autoclose: 2 }`, testClock: true });
    await second.run(TestClock.adjust(minutes(121)));
    await waitFor(() => topicNamed(w, "Ann")?.closed, "closed after restart");
  });

  it("autoclose: off never closes", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w, { extra: `    params: { autoclose: off }`, testClock: true });
    await answeredDialog(w);
    // A week: far past the 48 h default, and every hourly wake-up on the way is stepped through.
    await running.run(TestClock.adjust(minutes(60 * 24 * 7)));
    await running.bots[0].fireTimers();
    expect(running.bots[0].timers.fired).toBe(0);
    expect(topicNamed(w, "Ann")?.closed).toBe(false);
  });
});
