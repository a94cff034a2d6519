/**
 * Nothing lost: restarts, Telegram fault storms, and a SIGKILL in the middle of a burst — on
 * SQLite and on PostgreSQL (a database of its own per test on the real server).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startCli } from "../support/cli.ts";
import { advanceUntil, botMessagesTo, closeAll, createWorld as createWorldOn, firstContact, startSwitchboard, topicMessages, topicNamed, waitFor, type WorldStorage } from "../support/world.ts";

afterEach(closeAll);

const texts = (ms: { text?: string }[]) => ms.map((m) => m.text ?? "");
const engines: readonly WorldStorage[] = ["sqlite", "postgres"];

describe.each(engines)("durability on %s", (storage) => {
const createWorld = () => createWorldOn({ storage });

describe("restarts", () => {
  it("keeps the user → topic mapping across a restart", async () => {
    const w = await createWorld();
    let running = await startSwitchboard(w);
    const { user: ann, topic } = await firstContact(w, "Ann", "before restart");
    await running.stop();

    // Sent while Switchboard is down: Telegram keeps it until it is confirmed.
    w.emulator.userSends(w.bot.token, ann.id, { text: "while down" });
    running = await startSwitchboard(w);
    w.emulator.userSends(w.bot.token, ann.id, { text: "after restart" });
    await waitFor(() => topicMessages(w, topic.threadId).length === 3, "both later messages in the same topic");
    expect(texts(topicMessages(w, topic.threadId))).toEqual(["before restart", "while down", "after restart"]);
    expect(w.emulator.topics(w.groupId).filter((t) => !t.deleted)).toHaveLength(1);

    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "operators still reach you" });
    await waitFor(() => botMessagesTo(w, ann.id).find((m) => m.text === "operators still reach you"), "answer after restart");
  });
});

describe("Telegram fault storms", () => {
  // On the TestClock: the retry_after pauses pass when the test moves the clock, not in real time.
  it("a 429 storm loses nothing and keeps order", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w, { testClock: true });
    const { user: ann, topic } = await firstContact(w, "Ann", "m0");

    w.emulator.injectFault({ method: "copyMessage", kind: "429", times: 6, retryAfter: 1 });
    for (let i = 1; i <= 15; i++) w.emulator.userSends(w.bot.token, ann.id, { text: `m${i}` });
    await advanceUntil(running, () => topicMessages(w, topic.threadId).length === 16, "all 16 copies");
    expect(texts(topicMessages(w, topic.threadId))).toEqual(Array.from({ length: 16 }, (_, i) => `m${i}`));
    expect(running.bots[0].delivery.stats.rateLimited).toBeGreaterThan(0);
  });

  it("a 5xx storm and dropped connections lose nothing and keep order", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w, { testClock: true });
    const users = [w.emulator.createUser({ firstName: "Ann" }), w.emulator.createUser({ firstName: "Ben" })];
    w.emulator.injectFault({ kind: "500", times: 5 });
    w.emulator.injectFault({ kind: "502", times: 3 });
    w.emulator.injectFault({ method: "copyMessage", kind: "drop-before", times: 3 });
    for (let i = 0; i < 10; i++) for (const u of users) w.emulator.userSends(w.bot.token, u.id, { text: `${u.first_name}-${i}` });
    for (const u of users) {
      const topic = await advanceUntil(running, () => topicNamed(w, u.first_name), `topic of ${u.first_name}`);
      await advanceUntil(running, () => topicMessages(w, topic.threadId).length >= 10, `copies for ${u.first_name}`);
      expect(texts(topicMessages(w, topic.threadId))).toEqual(Array.from({ length: 10 }, (_, i) => `${u.first_name}-${i}`));
    }
  });

  it("a lost answer after Telegram applied the send is retried: at most a duplicate, never a loss", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    const { user: ann, topic } = await firstContact(w, "Ann", "m0");
    w.emulator.injectFault({ method: "copyMessage", kind: "drop-after", times: 1 });
    w.emulator.userSends(w.bot.token, ann.id, { text: "m1" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "m2" });
    await waitFor(() => texts(topicMessages(w, topic.threadId)).includes("m2"), "m2");
    const seen = texts(topicMessages(w, topic.threadId));
    // "m1" was applied, its answer lost, then sent again: the documented in-doubt duplicate.
    expect(seen.filter((t) => t === "m1")).toHaveLength(2);
    expect(seen.indexOf("m2")).toBeGreaterThan(seen.lastIndexOf("m1"));
  });
});

describe("crash", () => {
  it("SIGKILL during a burst, then restart: every accepted message arrives exactly once (duplicates counted)", async () => {
    const w = await createWorld();
    const configPath = join(w.dir, "switchboard.yaml");
    writeFileSync(configPath, w.yaml("    limits: off\n"));
    const env = { ACME_TOKEN: w.bot.token, SWITCHBOARD_LOG: "info" };
    const first = startCli(["run", "--config", configPath], env);
    await waitFor(() => /receiving updates/.test(first.out()), "first run connected", 30_000);

    const users = Array.from({ length: 10 }, (_, i) => w.emulator.createUser({ firstName: `User${i}` }));
    const perUser = 30;
    // The burst is sent while the process works; it is killed part-way through.
    let sent = 0;
    for (let i = 0; i < perUser; i++) {
      for (const u of users) {
        w.emulator.userSends(w.bot.token, u.id, { text: `${u.first_name}#${i}` });
        sent += 1;
      }
      if (i === perUser / 2) {
        await waitFor(() => w.emulator.messages(w.groupId).length > 20, "some relaying before the kill", 30_000);
        first.child.kill("SIGKILL");
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    await first.exited;
    const relayedBeforeKill = w.emulator.messages(w.groupId).length;

    const second = startCli(["run", "--config", configPath], env);
    try {
      // A user's live topics: one. A createForumTopic whose answer the kill cut off is adopted from
      // its forum_topic_created service message (or, if a retry made another, the orphan is deleted).
      const topicsOf = (u: { first_name: string }) => w.emulator.topics(w.groupId).filter((t) => !t.deleted && t.name.includes(u.first_name));
      const copiesOf = (u: { first_name: string }) => topicsOf(u).map((t) => texts(topicMessages(w, t.threadId)));
      for (const u of users) {
        await waitFor(() => copiesOf(u).some((got) => new Set(got).size === perUser), `all of ${u.first_name} in one topic`, 60_000);
        await waitFor(() => topicsOf(u).length === 1, `one live topic for ${u.first_name}`, 30_000);
      }
      let duplicates = 0;
      for (const u of users) {
        const [used, ...others] = copiesOf(u).sort((a, b) => b.length - a.length);
        expect(others.flat()).toEqual([]);
        // Order within a conversation is kept (a duplicate may repeat an earlier one).
        expect([...new Set(used)]).toEqual(Array.from({ length: perUser }, (_, i) => `${u.first_name}#${i}`));
        expect(others).toEqual([]);
        // At most the one send a conversation had in flight at the kill repeats.
        const repeats = used!.length - new Set(used).size;
        expect(repeats, `${u.first_name}: copies ${used!.length}`).toBeLessThanOrEqual(1);
        duplicates += repeats;
      }
      console.log(`crash test (${storage}): ${sent} sent, ${relayedBeforeKill} group messages before SIGKILL, ${duplicates} in-doubt repeat(s) after restart`);
    } finally {
      second.child.kill("SIGTERM");
      await second.exited;
    }
  });
});
});
