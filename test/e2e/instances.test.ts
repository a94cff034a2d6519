/**
 * Several instances on one PostgreSQL (issue 15): three real CLI processes share the bots, users
 * write to every bot, one instance is SIGKILLed in the middle of the burst and another paused
 * (SIGSTOP) until its leases passed on. Every message arrives exactly once (in-doubt repeats
 * counted, at most one per conversation), the killed instance's bots relay again on the others,
 * and the emulator's call log (each instance calls through its own `/c/NAME` api_root) shows no
 * two instances calling Telegram for one bot at the same time.
 *
 * `SCALE_BOTS` sets the number of bots (default 30).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { type CallRecord, type Emulator, startEmulator } from "../../src/sandbox/emulator/mod.ts";
import { openStore } from "../../src/store/open.ts";
import { allLeases } from "../../src/store/leases.ts";
import { runCli, startCli } from "../support/cli.ts";
import { createTestDatabase } from "../support/postgres.ts";
import { tempDir, waitFor } from "../support/world.ts";

const botCount = Number(process.env.SCALE_BOTS ?? 30);
const usersPerBot = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  // Each step at most 10 s: a stuck one must not hide the test's own result.
  while (cleanup.length > 0) await Promise.race([cleanup.pop()!().catch(() => undefined), sleep(10_000)]);
});

interface BotWorld {
  id: string;
  token: string;
  groupId: number;
  users: { id: number; name: string; said: string[] }[];
}

/** Pairs of calls for one bot from two different instances whose times overlap. */
function overlapping(log: readonly CallRecord[]): string[] {
  const found: string[] = [];
  const byToken = new Map<string, CallRecord[]>();
  for (const c of log) if (c.caller) byToken.set(c.token, [...(byToken.get(c.token) ?? []), c]);
  for (const calls of byToken.values()) {
    calls.sort((a, b) => a.startedAt - b.startedAt);
    // Each call against the longest-reaching call of every other caller started before it.
    const reach = new Map<string, CallRecord>();
    for (const c of calls) {
      for (const [caller, r] of reach) if (caller !== c.caller && r.endedAt > c.startedAt) found.push(`${r.caller} ${r.method} [${r.startedAt}–${r.endedAt}] and ${c.caller} ${c.method} at ${c.startedAt}`);
      const mine = reach.get(c.caller!);
      if (!mine || mine.endedAt < c.endedAt) reach.set(c.caller!, c);
    }
  }
  return found;
}

it(`three instances share ${botCount} bots: a SIGKILL mid-burst and a SIGSTOP lose nothing, relay nothing twice beyond the in-doubt send, and never call Telegram from two instances for one bot at once`, async () => {
  const emulator: Emulator = await startEmulator({ recordCalls: true });
  cleanup.push(() => emulator.close());
  const database = await createTestDatabase();
  cleanup.push(database.drop);
  const operator = emulator.createUser({ firstName: "Olga", username: "olga" });
  const bots: BotWorld[] = [];
  for (let i = 0; i < botCount; i++) {
    const bot = emulator.createBot({ username: `acme${i}_bot`, firstName: `Acme ${i}` });
    const groupId = emulator.createForumGroup({ title: `Operators ${i}`, bots: [bot.token], operators: [operator.id] });
    const users = Array.from({ length: usersPerBot }, (_, u) => {
      const name = `User${i}x${u}`;
      return { id: emulator.createUser({ firstName: name }).id, name, said: [] as string[] };
    });
    bots.push({ id: `bot${i}`, token: bot.token, groupId, users });
  }
  const dir = tempDir();
  const configOf = (instance: string) => {
    const path = join(dir, `${instance}.yaml`);
    writeFileSync(path, `storage: "${database.url}"\nbots:\n${bots.map((b) => `  - id: ${b.id}\n    token: "${b.token}"\n    api_root: ${emulator.url}/c/${instance}\n    group: ${b.groupId}\n    limits: off\n`).join("")}`);
    return path;
  };
  const instances = ["i1", "i2", "i3"].map((name) => {
    const run = startCli(["run", "--config", configOf(name)], { SWITCHBOARD_INSTANCE_ID: name, SWITCHBOARD_LOG: "info" });
    cleanup.push(async () => {
      for (const signal of ["SIGCONT", "SIGKILL"] as const) {
        try {
          process.kill(run.child.pid!, signal);
        } catch {
          // Gone already.
        }
      }
      await run.exited;
    });
    return { name, run };
  });
  const db = await openStore(database.url);
  cleanup.push(() => db.destroy());
  /** When i2 took each bot again after it woke (the lease's own acquisition time), as the waits below see the leases. */
  const retakenByI2 = new Map<string, number>();
  let resumedAt = Infinity;
  const owners = async () => {
    const now = Date.now();
    const leases = await allLeases(db);
    for (const l of leases) if (l.owner === "i2" && l.acquiredAt >= resumedAt && !retakenByI2.has(l.botId)) retakenByI2.set(l.botId, l.acquiredAt);
    return new Map(leases.filter((l) => l.owner !== "" && l.expiresAt > now).map((l) => [l.botId, l.owner]));
  };
  const spread = async () => {
    const counts = new Map<string, number>();
    for (const owner of (await owners()).values()) counts.set(owner, (counts.get(owner) ?? 0) + 1);
    return counts;
  };
  const dump = () => instances.map((i) => `--- ${i.name}\n${i.run.out().slice(process.env.SCALE_DEBUG ? 0 : -4000)}`).join("\n");
  try {
    // Evenly spread: each of three owns a third.
    await waitFor(async () => {
      const counts = await spread();
      return [...counts.values()].reduce((a, b) => a + b, 0) === botCount && counts.size === 3 && [...counts.values()].every((n) => n <= Math.ceil(botCount / 3));
    }, "the bots spread over three instances", 90_000);

    // `switchboard status` shows the three, who owns what, and the queues.
    const status = await runCli(["status", "--config", configOf("i1")]);
    expect(status.code, status.output).toBe(0);
    for (const name of ["i1", "i2", "i3"]) expect(status.output).toMatch(new RegExp(`${name} \\(.*owns ${Math.ceil(botCount / 3)} bot`));
    expect(status.output).toMatch(/bot0: owned by i\d, lease \d+ taken [\d.]+ s ago, renewed [\d.]+ s ago; inbox \d+ pending, outbox \d+/);

    // A burst to every bot; i1 dies in the middle of it.
    let sent = 0;
    const say = (b: BotWorld, u: BotWorld["users"][number], phase: string) => {
      const text = `${phase} ${u.name} #${u.said.length + 1}`;
      u.said.push(text);
      emulator.userSends(b.token, u.id, { text });
      sent++;
    };
    const burst = async (phase: string, rounds: number, during?: { atRound: number; run: () => void }) => {
      for (let r = 0; r < rounds; r++) {
        if (during && r === during.atRound) during.run();
        for (const b of bots) for (const u of b.users) say(b, u, phase);
        await sleep(150);
      }
    };
    const ownedByI1 = [...(await owners())].filter(([, o]) => o === "i1").map(([bot]) => bot);
    let killedAt = 0;
    let leasesMoved: Promise<number> | undefined;
    await burst("burst", 12, {
      atRound: 5,
      run: () => {
        killedAt = Date.now();
        instances[0].run.child.kill("SIGKILL");
        // When the killed instance's last lease has passed to another (the store's view).
        leasesMoved = waitFor(async () => {
          const now = await owners();
          return ownedByI1.every((bot) => now.has(bot) && now.get(bot) !== "i1") && Date.now() - killedAt;
        }, "the killed instance's leases passing on", 60_000);
      },
    });
    await instances[0].run.exited;
    const leasesMovedAfterMs = await leasesMoved!;

    const arrived = (b: BotWorld, text: string) => {
      const topic = emulator.topics(b.groupId).find((t) => !t.deleted && t.name.includes(b.users.find((u) => text.includes(u.name + " "))!.name));
      return topic ? emulator.messages(b.groupId, { threadId: topic.threadId }).filter((m) => m.text === text).length : 0;
    };
    const allArrived = () => bots.every((b) => b.users.every((u) => u.said.every((t) => arrived(b, t) >= 1)));
    await waitFor(allArrived, "every message of the burst relayed after the kill", 90_000);
    // Each bot of the killed instance relays again on another: its first relay there after the kill.
    const tokenOf = new Map(bots.map((b) => [b.id, b.token]));
    const resumedAfterMs = ownedByI1.map((bot) => {
      const first = emulator.callLog().find((c) => c.token === tokenOf.get(bot) && c.caller !== "i1" && c.method === "copyMessage" && c.startedAt > killedAt);
      return first ? first.startedAt - killedAt : Infinity;
    });
    const slowest = Math.max(...resumedAfterMs);
    // The takeover itself: the new owner's first Bot API call for each of the killed instance's bots.
    const takenOverAfterMs = ownedByI1.map((bot) => {
      const first = emulator.callLog().find((c) => c.token === tokenOf.get(bot) && c.caller !== "i1" && c.startedAt > killedAt);
      return first ? first.startedAt - killedAt : Infinity;
    });
    if (process.env.SCALE_DEBUG) {
      for (const bot of ownedByI1) {
        const after = emulator.callLog().filter((c) => c.token === tokenOf.get(bot) && c.caller !== "i1" && c.startedAt > killedAt);
        const first = (m: string) => { const c = after.find((x) => x.method === m); return c ? `${m} +${c.startedAt - killedAt}` : `${m} -`; };
        console.log(bot, after[0]?.caller, first("getMe"), first("getUpdates"), first("copyMessage"), first("createForumTopic"));
      }
    }
    expect((await spread()).size).toBe(2);

    // i2 pauses until the leases passed on to i3, then wakes: it must stop, and write nothing.
    const i2 = instances[1];
    i2.run.child.kill("SIGSTOP");
    const stoppedAt = Date.now();
    await waitFor(async () => (await spread()).get("i3") === botCount, "i3 owning every bot while i2 is paused", 30_000);
    await burst("paused", 3);
    await waitFor(allArrived, "every message sent while i2 was paused", 60_000);
    // process.kill: Deno's ChildProcess.kill does not deliver SIGCONT (returns false).
    process.kill(i2.run.child.pid!, "SIGCONT");
    resumedAt = Date.now();
    await waitFor(() => /lease lost/.test(i2.run.out()), "i2 noticing its leases are gone", 30_000);
    // It rejoins as a live instance and takes half again, through fresh leases.
    await waitFor(async () => (await spread()).size === 2, "i2 taking its share again", 30_000);
    await burst("after", 3);
    await waitFor(allArrived, "every message after i2 rejoined", 60_000);

    // In-doubt repeats: a message shown twice in its topic, at most one per conversation.
    let duplicates = 0;
    const conversationsWithTwo: string[] = [];
    for (const b of bots) {
      for (const u of b.users) {
        const extra = u.said.reduce((n, t) => n + arrived(b, t) - 1, 0);
        duplicates += extra;
        if (extra > 1) conversationsWithTwo.push(`${u.name}: ${extra}`);
      }
      const topics = emulator.topics(b.groupId).filter((t) => !t.deleted);
      expect(topics.length, `topics of ${b.id}`).toBe(b.users.length);
    }
    const log = emulator.callLog();
    // Calls i2 began after it woke and before it learnt its leases were gone (its "lease lost" line
    // comes within its first renewal, under a second): with the guard there are none. A bot i2
    // took again through a fresh lease meanwhile (a takeover starts in well under that second) may
    // call from then on.
    const i2LateCalls = log.filter((c) => {
      if (c.caller !== "i2" || c.startedAt < resumedAt || c.startedAt >= resumedAt + 500) return false;
      const retaken = retakenByI2.get(bots.find((b) => b.token === c.token)?.id ?? "");
      return retaken === undefined || c.startedAt < retaken;
    });
    void stoppedAt;
    console.log([
      `instances test: ${botCount} bots, ${sent} messages on 3 instances; i1 SIGKILLed owning ${ownedByI1.length} bot(s)`,
      `  its leases passed on after ${(leasesMovedAfterMs / 1000).toFixed(1)} s; its bots called Telegram from the new owner after ${(Math.min(...takenOverAfterMs) / 1000).toFixed(1)}–${(Math.max(...takenOverAfterMs) / 1000).toFixed(1)} s and relayed again after ${(Math.min(...resumedAfterMs) / 1000).toFixed(1)}–${(slowest / 1000).toFixed(1)} s`,
      `  in-doubt duplicates ${duplicates}; calls by i2 right after SIGCONT ${i2LateCalls.length}; ${log.length} Bot API calls logged`,
    ].join("\n"));
    expect(overlapping(log), "calls for one bot from two instances at once").toEqual([]);
    expect(conversationsWithTwo, "conversations with more than one in-doubt repeat").toEqual([]);
    // The lease's promise (5 s to live, renewed every second) is a takeover within 10 s; starting
    // the bots there and relaying are printed above (they depend on how loaded the machine is).
    expect(leasesMovedAfterMs, "every lease of the killed instance taken over within 10 s").toBeLessThanOrEqual(10_000);
    expect(slowest, "every bot of the killed instance relays again").toBeLessThan(Infinity);
    // The paused instance made no Bot API call before it knew its leases were gone.
    expect(i2LateCalls.map((c) => `${c.method} of ${bots.find((b) => b.token === c.token)?.id} at +${c.startedAt - resumedAt} ms`)).toEqual([]);
  } catch (error) {
    console.log(dump());
    throw error;
  }
  // A graceful stop hands the bots over: SIGTERM i3, i2 owns every bot soon after.
  instances[2].run.child.kill("SIGTERM");
  const termAt = Date.now();
  await instances[2].run.exited;
  await waitFor(async () => (await spread()).get("i2") === botCount, "i2 owning every bot after i3's SIGTERM", 30_000);
  console.log(`  after SIGTERM of i3, i2 owned all ${botCount} bots ${((Date.now() - termAt) / 1000).toFixed(1)} s later`);
}, 400_000);
