/**
 * Analytics (issue 14): after a scripted run through the emulator, the store's counts match what
 * happened — users writing, operators answering, a close by an operator, an autoclose on the
 * TestClock, a 429 — with the first response and resolution times of the TestClock.
 */
import { TestClock } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import { summarize } from "../../src/store/analytics.ts";
import { advanceUntil, botMessagesTo, closeAll, createWorld, firstContact, startSwitchboard, topicMessages, topicNamed, waitFor, type World } from "../support/world.ts";

afterEach(closeAll);
const all = { from: 0, to: Number.MAX_SAFE_INTEGER };

describe("analytics events", () => {
  it("counts dialogs, messages, response and resolution times, closes by whom, and 429s", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w, { extra: `    params: { autoclose: 0.5 }`, testClock: true });
    const operator = String(w.operator.id);

    // Ann writes; an operator answers a minute later; 30 minutes in 🟨 close it by itself.
    const { user: ann, topic: annTopic } = await firstContact(w, "Ann", "help");
    await running.run(TestClock.adjust("60 seconds"));
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: annTopic.threadId, text: "here to help" });
    await waitFor(() => botMessagesTo(w, ann.id).some((m) => m.text === "here to help"), "answer to Ann");

    // Ben writes twice, the second copy meets a 429; an operator answers and closes; Ben writes again.
    const { user: ben, topic: benTopic } = await firstContact(w, "Ben", "one");
    w.emulator.injectFault({ method: "copyMessage", kind: "429", times: 1, retryAfter: 1 });
    w.emulator.userSends(w.bot.token, ben.id, { text: "two" });
    await advanceUntil(running, () => topicMessages(w, benTopic.threadId).some((m) => m.text === "two"), "Ben's second copy");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: benTopic.threadId, text: "done" });
    await waitFor(() => botMessagesTo(w, ben.id).some((m) => m.text === "done"), "answer to Ben");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: benTopic.threadId, text: "/close" });
    await waitFor(() => topicNamed(w, "Ben")?.closed, "Ben's dialog closed");
    w.emulator.userSends(w.bot.token, ben.id, { text: "three" });
    await waitFor(() => topicMessages(w, benTopic.threadId).some((m) => m.text === "three"), "Ben's reopening message");

    await running.run(TestClock.adjust("31 minutes"));
    await waitFor(() => topicNamed(w, "Ann")?.closed, "Ann's dialog closed by autoclose");

    const s = await summarize(running.db, ["acme"], all);
    expect(s.counts).toMatchObject({
      dialog_created: 2, dialog_reopened: 1, dialog_closed: 2,
      message_in: 4, message_out: 2, message_intercepted: 0,
      first_response: 2, resolution: 2, rate_limited: 1, delivery_retry: 1, delivery_failed: 0,
    });
    expect(s.operators).toEqual([expect.objectContaining({ actor: operator, messages: 2, answered: 2, closed: 1 })]);
    const rows = await running.db.selectFrom("analytics_events").select(["chat_id", "kind", "actor", "value"]).orderBy("at").orderBy("kind").execute();
    const of = (chat: number, kind: string) => rows.filter((r) => r.chat_id === chat && r.kind === kind).map((r) => [r.actor, r.value === null ? null : Number(r.value)]);
    expect(of(ann.id, "first_response")).toEqual([[operator, 60_000]]);
    // Answered at +1 min, closed 30 minutes after the answer: resolution is measured from the opening.
    expect(of(ann.id, "dialog_closed")).toEqual([["autoclose", null]]);
    const [[, annResolution]] = of(ann.id, "resolution") as [[string, number]];
    expect(annResolution).toBeGreaterThanOrEqual(31 * 60_000);
    expect(of(ben.id, "dialog_closed")).toEqual([[operator, null]]);
    expect(of(ben.id, "dialog_reopened")).toEqual([["user", null]]);
    expect(of(ben.id, "dialog_created")).toEqual([["user", null]]);
    expect(of(ben.id, "rate_limited")).toEqual([["copyToTopic", null]]);

    // /stats in General sums it up (Ben waits now: his last message reopened his dialog).
    const text = (await askInGeneral(w, "/stats")).text ?? "";
    expect(text.split("\n").slice(0, 6)).toEqual([
      "📊 Stats, last 7 days",
      "Dialogs: 2 new · 1 reopened · 2 closed · 1 waiting now 🟪",
      // Nearest rank of two: p50 is Ben's (the seconds the 429 cost), p90 Ann's minute.
      expect.stringMatching(/^First response: p50 \d+s · p90 1m \(2 dialogs\)$/),
      expect.stringMatching(/^Resolution: median \d+s \(2 dialogs\)$/),
      "Messages: 4 in · 2 out · 0 intercepted",
      "Delivery: 1 retry · 1 × 429 · 0 failed",
    ]);
    // Named as the operator last wrote (the rows keep the id).
    expect(text).toContain(`• Olga Operator: 2 messages, 2 answered, 1 closed, median first response`);
    expect((await askInGeneral(w, "/stats today")).text).toMatch(/^📊 Stats, today \(UTC\)/);
    expect((await askInGeneral(w, "/stats 90d")).text).toBe("Usage: /stats — the last 7 days; /stats today, /stats 7d, /stats 30d.");
  });

  it("/stats is only for extensions_allowed", async () => {
    const w = await createWorld();
    await startSwitchboard(w, { extra: `    params: { extensions_allowed: [42] }` });
    expect((await askInGeneral(w, "/stats")).text).toBe("⛔ /stats is only for the operators listed in extensions_allowed.");
  });
});

const general = (w: World) => w.emulator.messages(w.groupId).filter((m) => m.message_thread_id === undefined && m.from?.is_bot);
/** An operator writes in General; resolves with the bot's answer there. */
async function askInGeneral(w: World, text: string) {
  const before = general(w).length;
  w.emulator.operatorPosts(w.groupId, w.operator.id, { text });
  return await waitFor(() => general(w)[before], `answer to ${text}`);
}

describe("analytics retention", () => {
  it("folds detail rows past retention_days into daily totals once a day, keeping the totals", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w, { extra: `    params: { autoclose: off }\nanalytics: { retention_days: 1 }\n`, testClock: true });
    const { user: ann, topic } = await firstContact(w, "Ann", "help");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "here" });
    await waitFor(() => botMessagesTo(w, ann.id).some((m) => m.text === "here"), "answer");
    const before = await summarize(running.db, ["acme"], all);
    expect(before.counts).toMatchObject({ dialog_created: 1, message_in: 1, message_out: 1, first_response: 1 });
    const detail = () => running.db.selectFrom("analytics_events").select("kind").execute();
    expect(await detail()).toHaveLength(4);

    // A day on: still within retention. Three days on: the daily pass has folded them.
    await running.run(TestClock.adjust("1 day"));
    expect(await detail()).toHaveLength(4);
    await running.run(TestClock.adjust("2 days"));
    await waitFor(async () => (await detail()).length === 0, "detail rows folded");
    const daily = await running.db.selectFrom("analytics_daily").select(["kind", "count"]).orderBy("kind").execute();
    expect(daily.map((r) => [r.kind, Number(r.count)])).toEqual([["dialog_created", 1], ["first_response", 1], ["message_in", 1], ["message_out", 1]]);
    expect((await summarize(running.db, ["acme"], all)).counts).toEqual(before.counts);
  });
});
