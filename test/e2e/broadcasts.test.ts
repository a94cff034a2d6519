/** The broadcasts plugin end to end: /send in General — confirm, recipients, durability, pacing, control, reports. */
import * as TestClock from "effect/TestClock";
import { afterEach, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { telegramLimits } from "../../src/pipeline/rate-limits.ts";
import type { Running } from "../../src/run.ts";
import { openStore } from "../../src/store/open.ts";
import { aliasOf } from "../../plugins/hide-info/alias.ts";
import { startCli } from "../support/cli.ts";
import { startReceiver } from "../support/webhook-receiver.ts";
import { advanceUntil, botMessagesTo, closeAll, createWorld, firstContact, startSwitchboard, topicMessages, waitFor, type World } from "../support/world.ts";

afterEach(closeAll);

/** The bot's messages in General. */
const general = (w: World) => w.emulator.messages(w.groupId).filter((m) => m.message_thread_id === undefined && m.from?.is_bot);
/** An operator writes in General; resolves with the bot's next answer there. */
async function ask(w: World, text: string, o: { from?: number; replyTo?: number } = {}) {
  const before = general(w).length;
  w.emulator.operatorPosts(w.groupId, o.from ?? w.operator.id, { text, ...(o.replyTo ? { replyToMessageId: o.replyTo } : {}) });
  return (await waitFor(() => general(w).slice(before).find((m) => m.text !== undefined && !isNotice(m.text)), `answer to ${text}`)).text!;
}
/** The broadcast sender's own messages in General (progress, summary, report), not answers to commands. */
const isNotice = (text: string) => /^Report #\d+/.test(text) || /^📣 Broadcast #\d+ \(\w+\)(: | finished in )/.test(text);
/** An operator writes in a topic; resolves with the bot's next text there. */
async function askInTopic(w: World, threadId: number, text: string) {
  const before = topicMessages(w, threadId).filter((m) => m.from?.is_bot).length;
  w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId, text });
  return (await waitFor(() => topicMessages(w, threadId).filter((m) => m.from?.is_bot)[before], `answer to ${text}`)).text!;
}
/** Saves a one-message template `name` with `text`. */
async function saveTemplate(w: World, name: string, text: string, from = w.operator.id) {
  const source = w.emulator.operatorPosts(w.groupId, from, { text });
  expect(await ask(w, `/template save ${name}`, { from, replyTo: source.message_id })).toMatch(/^Saved template/);
}
/** Users who got the broadcast text. */
const receivedBy = (w: World, users: { id: number }[], text: string) => users.filter((u) => botMessagesTo(w, u.id).some((m) => m.text === text));
/** The CSV report of broadcast `id`: the document in General, downloaded like any bot would. */
async function reportOf(w: World, id: number): Promise<string> {
  const message = await waitFor(() => general(w).find((m) => m.caption === `Report #${id}` && m.document), `report #${id}`);
  expect(message.document!.file_name).toBe(`broadcast-${id}.csv`);
  const file = await (await fetch(`${w.emulator.url}/bot${w.bot.token}/getFile?file_id=${message.document!.file_id}`)).json();
  return await (await fetch(`${w.emulator.url}/file/bot${w.bot.token}/${file.result.file_path}`)).text();
}
/**
 * Waits for a held call to be reached, moving the TestClock meanwhile: the sender waits on the
 * Clock for relaying still busy with the users' first contacts (how long depends on the machine).
 */
async function reachedOn(running: Running, hold: { reached: Promise<void> }, what: string): Promise<void> {
  let reached = false;
  void hold.reached.then(() => (reached = true));
  await advanceUntil(running, () => reached, what, 50);
}
/** The broadcast number in an answer. */
const idIn = (answer: string) => Number(/#(\d+)/.exec(answer)![1]);

describe("broadcasts", () => {
  it("asks to confirm with the recipient count, then sends to all — not shown in topics, with progress and a report in General", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    await saveTemplate(w, "news", "Big news!");
    const contacts = [await firstContact(w, "Ann"), await firstContact(w, "Bob"), await firstContact(w, "Cid")];
    const users = contacts.map((c) => c.user);

    const answer = await ask(w, "/send news to all");
    expect(answer).toMatch(/^📣 Broadcast #\d+: template news to all — 3 recipients\.\nIt starts at once\.\nConfirm with \/send go \d+$/);
    // Nothing goes before the confirmation.
    await new Promise((r) => setTimeout(r, 300));
    expect(receivedBy(w, users, "Big news!")).toEqual([]);

    const id = idIn(answer);
    expect(await ask(w, `/send go ${id}`)).toMatch(new RegExp(`^📣 Broadcast #${id} confirmed: 3 recipients; starting now`));
    await waitFor(() => receivedBy(w, users, "Big news!").length === 3, "everyone got it");
    // Not shown in topics.
    for (const c of contacts) expect(topicMessages(w, c.topic.threadId).some((m) => m.text === "Big news!")).toBe(false);
    const summary = await waitFor(() => general(w).find((m) => m.text?.startsWith(`📣 Broadcast #${id} (news) finished`)), "summary");
    expect(summary.text).toContain("Delivered 3 of 3; blocked 0; deactivated 0; not found 0; failed 0.");
    const progress = general(w).find((m) => m.text?.startsWith(`📣 Broadcast #${id} (news): `));
    expect(progress?.text).toContain("sent 3 · failed 0 · blocked 0 · remaining 0 of 3");
    const report = await reportOf(w, id);
    const lines = report.trim().split("\n");
    expect(lines[0]).toBe("user_id,name,status,message_id,time,in_doubt");
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(new RegExp(`^${users[0].id},Ann,delivered,\\d+,\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z,$`));
    // Confirming twice does nothing.
    expect(await ask(w, `/send go ${id}`)).toBe(`Broadcast #${id} is already finished.`);
  });

  it("selects by label, by list and except label; skips banned users", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    await saveTemplate(w, "offer", "Special offer");
    const ann = await firstContact(w, "Ann");
    const bob = await firstContact(w, "Bob");
    const cid = await firstContact(w, "Cid");
    const dan = await firstContact(w, "Dan");
    await askInTopic(w, ann.topic.threadId, "/mark vip");
    await askInTopic(w, bob.topic.threadId, "/mark vip");
    await askInTopic(w, bob.topic.threadId, "/mark staff");
    await askInTopic(w, cid.topic.threadId, "/mark lead");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: dan.topic.threadId, text: "/ban" });
    await waitFor(async () => (await ask(w, "/send offer to all")).includes("3 recipients (left out: 1 banned)"), "ban applied");

    const byLabel = await ask(w, "/send offer to label vip lead except label staff");
    expect(byLabel).toMatch(/template offer to label vip, lead except label staff — 2 recipients\./);
    await ask(w, `/send go ${idIn(byLabel)}`);
    const users = [ann.user, bob.user, cid.user, dan.user];
    await waitFor(() => general(w).some((m) => m.text?.startsWith(`📣 Broadcast #${idIn(byLabel)} (offer) finished`)), "first finished");
    expect(receivedBy(w, users, "Special offer")).toEqual([ann.user, cid.user]);

    const byList = await ask(w, `/send offer to list ${bob.user.id},${dan.user.id}`);
    expect(byList).toMatch(/to 2 listed ids — 1 recipient \(left out: 1 banned\)\./);
    await ask(w, `/send go ${idIn(byList)}`);
    await reportOf(w, idIn(byList));
    expect(receivedBy(w, users, "Special offer")).toEqual([ann.user, bob.user, cid.user]);

    // test: to the sender only.
    const test = await ask(w, "/send offer test");
    expect(test).toMatch(/as a test to you — 1 recipient\./);
  });

  it("answers wrong input with one line, and /send is for extensions_allowed only", async () => {
    const w = await createWorld();
    const boss = w.emulator.createUser({ firstName: "Boss" });
    await startSwitchboard(w, { extra: `    params: { extensions_allowed: [${boss.id}] }` });
    const as = (text: string) => ask(w, text, { from: boss.id });
    expect(await ask(w, "/send help")).toBe("⛔ /send is only for the operators listed in extensions_allowed.");
    expect(await as("/send")).toMatch(/^Broadcasts \(in General\):/);
    expect(await as("/send nope to all")).toBe("No template nope. /template lists them.");
    await saveTemplate(w, "news", "News", boss.id);
    expect(await as("/send news")).toMatch(/^Say who gets it/);
    expect(await as("/send news all")).toMatch(/^Expected "to" after the template name/);
    expect(await as("/send news to everyone")).toMatch(/^Unknown recipients "everyone"/);
    expect(await as("/send news to label")).toMatch(/^Give at least one label/);
    expect(await as("/send news to label 1x")).toMatch(/^A label name starts with a Latin letter/);
    expect(await as("/send news to label ghost")).toBe("No label ghost. /mark in General lists the labels.");
    expect(await as("/send news to list 12,abc")).toBe('A user id is a positive number; "abc" is not.');
    expect(await as("/send news to all at 2026-13-01 10:00")).toBe('"2026-13-01 10:00" is not a valid date and time.');
    expect(await as("/send news to all at tomorrow")).toMatch(/^Usage: at YYYY-MM-DD HH:MM/);
    expect(await as("/send news to all at 2001-01-01 10:00")).toMatch(/is in the past\.$/);
    expect(await as("/send news to all except vip")).toBe("Usage: except label NAME [NAME…].");
    expect(await as("/send news to all please")).toMatch(/^Unexpected "please"/);
    expect(await as("/send go x")).toMatch(/^Usage: \/send go ID/);
    expect(await as("/send go 99")).toBe("No broadcast #99. /send status lists them.");
    expect(await as("/send news to all")).toBe("Nobody to send to to all.");
    expect(await as("/send status")).toBe("No broadcasts yet. /send help shows how to start one.");
  });

  it.each(["sqlite", "postgres"] as const)("resumes after a restart where it stopped: nobody gets it twice, a send in flight at the stop is resent and counted in doubt (%s)", async (storage) => {
    const w = await createWorld({ storage });
    const first = await startSwitchboard(w, { testClock: true });
    await saveTemplate(w, "news", "Hello all");
    const users: { id: number }[] = [];
    for (const name of ["Ann", "Bob", "Cid", "Dan", "Eve", "Fay"]) users.push((await firstContact(w, name)).user);
    const id = idIn(await ask(w, "/send news to all"));
    // Six fit in the bot's window at once: the stop comes while the second send is held in its call.
    const firstSend = w.emulator.hold({ method: "copyMessages" });
    await ask(w, `/send go ${id}`);
    await reachedOn(first, firstSend, "the first send");
    const secondSend = w.emulator.hold({ method: "copyMessages" });
    firstSend.release();
    await reachedOn(first, secondSend, "the second send");
    const stopping = first.stop();
    secondSend.release();
    await stopping;
    const sentBefore = receivedBy(w, users, "Hello all");
    expect(sentBefore.length).toBe(2);

    // As if the process died between marking the next recipient and its call's answer.
    const db = await openStore(w.storage);
    const next = await db.selectFrom("broadcasts_recipient" as any).selectAll().where("status", "=", "pending").orderBy("seq").limit(1).executeTakeFirstOrThrow() as any;
    await db.updateTable("broadcasts_recipient" as any).set({ status: "sending", attempts: 1 }).where("broadcast_id", "=", id).where("seq", "=", next.seq).execute();
    await db.destroy();

    const second = await startSwitchboard(w, { testClock: true });
    await advanceUntil(second, () => receivedBy(w, users, "Hello all").length === 6, "all sent after the restart", 100);
    for (const u of users) expect(botMessagesTo(w, u.id).filter((m) => m.text === "Hello all")).toHaveLength(1);
    const summary = await advanceUntil(second, () => general(w).find((m) => m.text?.startsWith(`📣 Broadcast #${id} (news) finished`)), "summary", 100);
    expect(summary.text).toContain("Delivered 6 of 6");
    expect(summary.text).toContain("In doubt 1:");
    const report = await reportOf(w, id);
    expect(report).toContain(`${next.chat_id},${["Ann", "Bob", "Cid", "Dan", "Eve", "Fay"][users.findIndex((u) => u.id === Number(next.chat_id))]},delivered,`);
    expect(report.match(/,yes\n/g)).toHaveLength(1);
  });

  it("a 429 holds the whole broadcast for retry_after, then it goes on", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w, { testClock: true });
    await saveTemplate(w, "news", "Paced");
    const users: { id: number }[] = [];
    for (const name of ["Ann", "Bob", "Cid", "Dan"]) users.push((await firstContact(w, name)).user);
    const id = idIn(await ask(w, "/send news to all"));
    w.emulator.injectFault({ method: "copyMessages", kind: "429", retryAfter: 30, chatId: users[1].id });
    await ask(w, `/send go ${id}`);
    await advanceUntil(running, () => w.emulator.stats().faultsInjected === 1, "the 429", 20);
    // Ann got it; the whole broadcast now waits 30 s of the Clock.
    await running.run(TestClock.adjust(25_000));
    await new Promise((r) => setTimeout(r, 200));
    expect(receivedBy(w, users, "Paced")).toEqual([users[0]]);
    await advanceUntil(running, () => receivedBy(w, users, "Paced").length === 4, "the rest after retry_after", 1_000);
    for (const u of users) expect(botMessagesTo(w, u.id).filter((m) => m.text === "Paced")).toHaveLength(1);
    const summary = await advanceUntil(running, () => general(w).find((m) => m.text?.startsWith(`📣 Broadcast #${id} (news) finished`)), "summary", 100);
    expect(summary.text).toContain("Delivered 4 of 4");
    expect(summary.text).toContain("Telegram asked to slow down 1 times.");
    // One progress message, edited at most every 10 s: once after the 30 s hold, once at the end.
    const progress = general(w).filter((m) => m.text?.startsWith(`📣 Broadcast #${id} (news): `));
    expect(progress).toHaveLength(1);
    expect(progress[0].editCount).toBe(2);
    expect(progress[0].text).toMatch(/^📣 Broadcast #\d+ \(news\): finished\nsent 4 · failed 0 · blocked 0 · remaining 0 of 4$/);
  });

  it("marks users who blocked the bot: reported as blocked, left out of later broadcasts until they unblock", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    await saveTemplate(w, "news", "News");
    const ann = await firstContact(w, "Ann");
    const bob = await firstContact(w, "Bob");
    const cid = await firstContact(w, "Cid");
    // Bob blocks the bot: the bot hears of it (my_chat_member) and leaves him out.
    w.emulator.userBlocksBot(w.bot.token, bob.user.id);
    await waitFor(async () => (await ask(w, "/send news to all")).includes("— 2 recipients (left out: 1 who blocked the bot)."), "Bob left out");
    // Cid blocks it unheard of (as if while the bot was away): the send finds out (403).
    w.emulator.userBlocksBot(w.bot.token, cid.user.id);
    const db = await openStore(`sqlite:${w.dbPath}`);
    await waitFor(async () => (await db.selectFrom("broadcasts_blocked" as any).selectAll().execute()).length === 2, "both blocks heard");
    await db.deleteFrom("broadcasts_blocked" as any).where("chat_id", "=", cid.user.id).execute();
    await db.destroy();
    const id = idIn(await ask(w, "/send news to all"));
    await ask(w, `/send go ${id}`);
    const summary = await waitFor(() => general(w).find((m) => m.text?.startsWith(`📣 Broadcast #${id} (news) finished`)), "summary");
    expect(summary.text).toContain("Delivered 1 of 2; blocked 1;");
    const report = await reportOf(w, id);
    expect(report).toContain(`${cid.user.id},Cid,blocked,`);
    expect(report).toContain(`${ann.user.id},Ann,delivered,`);
    expect(await ask(w, "/send news to all")).toMatch(/— 1 recipient \(left out: 2 who blocked the bot\)\./);
    w.emulator.userUnblocksBot(w.bot.token, bob.user.id);
    await waitFor(async () => (await ask(w, "/send news to all")).includes("— 2 recipients (left out: 1 who blocked the bot)."), "unblocked counts again");
  });

  it("pause, resume, cancel and status", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w, { testClock: true });
    await saveTemplate(w, "news", "Step");
    const users: { id: number }[] = [];
    for (const name of ["Ann", "Bob", "Cid", "Dan", "Eve"]) users.push((await firstContact(w, name)).user);
    const id = idIn(await ask(w, "/send news to all"));
    // Five fit in the bot's window at once: the first send is held in its call, so the pause
    // comes while the broadcast is under way.
    const first = w.emulator.hold({ method: "copyMessages" });
    await ask(w, `/send go ${id}`);
    await reachedOn(running, first, "the first send");
    expect(await ask(w, `/send pause ${id}`)).toBe(`⏸ Broadcast #${id} paused. /send resume ${id} goes on.`);
    first.release();
    await waitFor(() => receivedBy(w, users, "Step").length === 1, "the send in hand");
    await running.run(TestClock.adjust(60_000));
    await new Promise((r) => setTimeout(r, 200));
    // Only the send already under way when the pause came.
    expect(receivedBy(w, users, "Step").length).toBe(1);
    const status = await ask(w, "/send status");
    expect(status).toMatch(new RegExp(`^Broadcasts \\(1 under way\\):\n\n📣 Broadcast #${id} \\(news\\): paused\nsent \\d · failed 0 · blocked 0 · remaining \\d of 5`));
    expect(await ask(w, `/send pause ${id}`)).toBe(`Broadcast #${id} is paused; only a running or scheduled one can be paused.`);
    expect(await ask(w, `/send resume ${id}`)).toBe(`▶️ Broadcast #${id} resumed.`);
    await advanceUntil(running, () => receivedBy(w, users, "Step").length === 5, "all after resume", 20);
    await advanceUntil(running, () => general(w).find((m) => m.text?.startsWith(`📣 Broadcast #${id} (news) finished`)), "finished", 100);

    // Cancel: a draft, and a running one.
    const draft = idIn(await ask(w, "/send news to all"));
    expect(await ask(w, `/send cancel ${draft}`)).toBe(`Broadcast #${draft} cancelled before it started.`);
    expect(await ask(w, `/send go ${draft}`)).toBe(`Broadcast #${draft} is already cancelled.`);
    const second = idIn(await ask(w, "/send news to all"));
    const inHand = w.emulator.hold({ method: "copyMessages" });
    await ask(w, `/send go ${second}`);
    await reachedOn(running, inHand, "the send in hand");
    const cancelled = await ask(w, `/send cancel ${second}`);
    expect(cancelled).toMatch(new RegExp(`^📣 Broadcast #${second} \\(news\\) cancelled`));
    inHand.release();
    await waitFor(() => users.some((u) => botMessagesTo(w, u.id).filter((m) => m.text === "Step").length === 2), "the send in hand");
    await running.run(TestClock.adjust(60_000));
    await new Promise((r) => setTimeout(r, 200));
    // Only the send in hand when the cancel came.
    expect(users.filter((u) => botMessagesTo(w, u.id).filter((m) => m.text === "Step").length === 2)).toHaveLength(1);
    // The cancelled broadcast's report: what was sent, and what was cancelled.
    const lines = (await reportOf(w, second)).trim().split("\n").slice(1);
    expect(lines).toHaveLength(5);
    const delivered = users.filter((u) => botMessagesTo(w, u.id).filter((m) => m.text === "Step").length === 2).map((u) => u.id);
    for (const [i, u] of users.entries()) {
      expect(lines[i]).toMatch(delivered.includes(u.id) ? new RegExp(`^${u.id},\\w+,delivered,\\d+,`) : new RegExp(`^${u.id},\\w+,cancelled,,,$`));
    }
    // Reported once: the rest is marked cancelled (the summary already answered /send cancel).
    await running.run(TestClock.adjust(60_000));
    await new Promise((r) => setTimeout(r, 200));
    expect(general(w).filter((m) => m.caption === `Report #${second}`)).toHaveLength(1);
    expect(general(w).filter((m) => m.text?.startsWith(`📣 Broadcast #${second} (news) cancelled`))).toHaveLength(1);
  });

  it("relaying has priority above the broadcast's guaranteed third of the bot's 30/s: an answer held in flight holds the broadcast to 10 a second, never to none", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w, { testClock: true, limits: telegramLimits });
    await saveTemplate(w, "news", "Bulk");
    const ann = await firstContact(w, "Ann");
    // 60 recipients: Ann and users who never wrote (their sends fail, but are sends all the same).
    const ids = [ann.user.id, ...Array.from({ length: 59 }, (_, i) => w.emulator.createUser({ firstName: `U${i}` }).id)];
    const id = idIn(await ask(w, `/send news to list ${ids.join(",")}`));
    // The operator answers Ann; her delivery lane is held in the middle of its call: relaying is busy throughout.
    const hold = w.emulator.hold({ method: "copyMessage" });
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: ann.topic.threadId, text: "Answer for Ann" });
    await hold.reached;
    const sends = () => w.emulator.stats().calls.copyMessages ?? 0;
    const before = sends();
    await ask(w, `/send go ${id}`);
    // Three seconds of the Clock. Yielding to relaying whenever it is busy, the broadcast would
    // send nothing; not yielding, all 60 (30 a second).
    for (let i = 0; i < 30; i++) {
      await running.run(TestClock.adjust(100));
      await new Promise((r) => setTimeout(r, 30));
    }
    const during = sends() - before;
    expect(during).toBeGreaterThanOrEqual(10);
    expect(during).toBeLessThanOrEqual(40);
    hold.release();
    await waitFor(() => botMessagesTo(w, ann.user.id).some((m) => m.text === "Answer for Ann"), "the answer");
    await advanceUntil(running, () => sends() - before === 60, "the rest after the answer", 100);
  });

  it("at YYYY-MM-DD HH:MM waits for that time in the configured time zone", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w, { testClock: true, extra: "    plugins:\n      - name: broadcasts\n        options: { time_zone: Europe/Berlin }" });
    await saveTemplate(w, "news", "Later");
    const users = [(await firstContact(w, "Ann")).user, (await firstContact(w, "Bob")).user];
    // The TestClock starts at the real time: ten whole minutes ahead, written in Berlin time.
    const at = Math.ceil(Date.now() / 60_000) * 60_000 + 10 * 60_000;
    const berlin = (ms: number) => new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Berlin", dateStyle: "short", timeStyle: "short", hourCycle: "h23" }).format(new Date(ms));
    const written = berlin(at).replace(", ", " ");
    const draft = await ask(w, `/send news to all at ${written}`);
    expect(draft).toContain(`— 2 recipients.\nIt starts at ${berlin(at)} (Europe/Berlin).\nConfirm with`);
    expect(await ask(w, `/send go ${idIn(draft)}`)).toContain(`confirmed: 2 recipients; it starts at ${berlin(at)} (Europe/Berlin).`);
    expect(await ask(w, "/send status")).toContain(`starts at ${berlin(at)} (Europe/Berlin)`);
    await running.run(TestClock.adjust(8 * 60_000));
    await new Promise((r) => setTimeout(r, 200));
    expect(receivedBy(w, users, "Later")).toEqual([]);
    await advanceUntil(running, () => receivedBy(w, users, "Later").length === 2, "sent at the time", 30_000);
    expect(await ask(w, `/send news to all at ${berlin(at - 20 * 60_000).replace(", ", " ")}`)).toMatch(/is in the past\.$/);
  });

  it("file: in reply to a document of ids (one per line, or a CSV with an id column)", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    await saveTemplate(w, "news", "From a file");
    const ann = (await firstContact(w, "Ann")).user;
    const bob = (await firstContact(w, "Bob")).user;
    const cid = (await firstContact(w, "Cid")).user;
    /** A document in General with `text` (uploaded the way any Bot API client does). */
    const postFile = async (name: string, text: string) => {
      const form = new FormData();
      form.set("chat_id", String(w.groupId));
      form.set("document", new Blob([text], { type: "text/csv" }), name);
      const answer = await (await fetch(`${w.emulator.url}/bot${w.bot.token}/sendDocument`, { method: "POST", body: form })).json();
      return answer.result.message_id as number;
    };
    const csv = await postFile("ids.csv", `name,id\nAnn,${ann.id}\nCid,${cid.id}\nnobody,x\n`);
    const answer = await ask(w, "/send news to file", { replyTo: csv });
    expect(answer).toMatch(/template news to 2 ids from the file — 2 recipients\./);
    await ask(w, `/send go ${idIn(answer)}`);
    await waitFor(() => receivedBy(w, [ann, bob, cid], "From a file").length === 2, "sent");
    expect(receivedBy(w, [ann, bob, cid], "From a file")).toEqual([ann, cid]);

    const lines = await postFile("ids.txt", `${bob.id}\n`);
    expect(await ask(w, "/send news to file", { replyTo: lines })).toMatch(/to 1 ids from the file — 1 recipient\./);
    expect(await ask(w, "/send news to file")).toMatch(/^Reply to a document/);
    const bad = await postFile("bad.csv", "name,phone\nAnn,123\n");
    expect(await ask(w, "/send news to file", { replyTo: bad })).toBe("A CSV file needs an id column.");
  });

  it("reports broadcast_started and broadcast_finished (with counts) to the webhooks that subscribe to them", async () => {
    const w = await createWorld();
    const hook = await startReceiver();
    try {
      await startSwitchboard(w, { extra: `    params:\n      webhooks:\n        "${hook.url}": [broadcast_started, broadcast_finished]\n` });
      await saveTemplate(w, "news", "Hooked");
      await firstContact(w, "Ann");
      const bob = await firstContact(w, "Bob");
      const id = idIn(await ask(w, "/send news to all"));
      w.emulator.userBlocksBot(w.bot.token, bob.user.id);
      // Bob's block is not heard of before the sends (the draft was resolved before it).
      const db = await openStore(`sqlite:${w.dbPath}`);
      await waitFor(async () => (await db.selectFrom("broadcasts_blocked" as any).selectAll().execute()).length === 1, "block heard");
      await db.deleteFrom("broadcasts_blocked" as any).execute();
      await db.destroy();
      await ask(w, `/send go ${id}`);
      await waitFor(() => hook.events().length === 2, "both events");
      const [started, finished] = hook.delivered().map((h) => h.body as any);
      expect(started.event).toBe("broadcast_started");
      expect(started.bot).toEqual({ id: "acme", username: "acme_support_bot", group_id: w.groupId });
      expect(started.broadcast).toEqual({ id, template: "news", status: "running", created_by: w.operator.id, recipients: 2 });
      expect(finished.event).toBe("broadcast_finished");
      expect(finished.broadcast).toEqual({ id, template: "news", status: "finished", created_by: w.operator.id, recipients: 2, delivered: 1, failed: 0, blocked: 1, not_sent: 0, in_doubt: 0 });
    } finally {
      await closeAll();
      await hook.close();
    }
  });

  it("SIGKILL mid-broadcast, then restart: every recipient gets it, twice at most the one send in doubt (counted)", async () => {
    const w = await createWorld();
    const configPath = join(w.dir, "switchboard.yaml");
    writeFileSync(configPath, w.yaml("    limits: off\n"));
    const env = { ACME_TOKEN: w.bot.token, SWITCHBOARD_LOG: "info" };
    const first = startCli(["run", "--config", configPath], env);
    let second: ReturnType<typeof startCli> | undefined;
    try {
      await waitFor(() => /receiving updates/.test(first.out()), "first run connected", 30_000);
      await saveTemplate(w, "news", "Durable news");
      const users: { id: number }[] = [];
      for (let i = 0; i < 40; i++) users.push((await firstContact(w, `User${i}x`)).user);
      const id = idIn(await ask(w, "/send news to all"));
      await ask(w, `/send go ${id}`);
      // The bot's window lets 30 go in the first second and the rest a second later: killed in between.
      await waitFor(() => receivedBy(w, users, "Durable news").length >= 12, "some sent before the kill", 30_000);
      first.child.kill("SIGKILL");
      await first.exited;
      const beforeKill = receivedBy(w, users, "Durable news").length;
      expect(beforeKill).toBeLessThan(40);

      second = startCli(["run", "--config", configPath], env);
      const summary = await waitFor(() => general(w).find((m) => m.text?.startsWith(`📣 Broadcast #${id} (news) finished`)), "finished after the restart", 60_000);
      const copies = users.map((u) => botMessagesTo(w, u.id).filter((m) => m.text === "Durable news").length);
      expect(copies.every((n) => n === 1 || n === 2)).toBe(true);
      const twice = copies.filter((n) => n === 2).length;
      // Only the send in flight at the kill can repeat, and it is counted.
      expect(twice).toBeLessThanOrEqual(1);
      expect(summary.text).toContain("Delivered 40 of 40");
      if (twice > 0) expect(summary.text).toContain("In doubt 1:");
      console.log(`broadcast SIGKILL: ${beforeKill}/40 before the kill, ${twice} delivered twice (in doubt)`);
    } finally {
      first.child.kill("SIGKILL");
      second?.child.kill("SIGTERM");
      await second?.exited;
    }
  }, 120_000);

  it("the report shows aliases, not names, under hide_info: [name]", async () => {
    const w = await createWorld();
    await startSwitchboard(w, { extra: "    params: { hide_info: [name] }" });
    await saveTemplate(w, "news", "Hidden");
    const ann = w.emulator.createUser({ firstName: "Annabel" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    await waitFor(async () => (await ask(w, "/send news to all")).includes("— 1 recipient."), "Ann's dialog");
    const id = idIn(await ask(w, "/send news to all"));
    await ask(w, `/send go ${id}`);
    const report = await reportOf(w, id);
    expect(report).toContain(`${ann.id},${aliasOf("acme", ann.id)},delivered,`);
    expect(report).not.toContain("Annabel");
  });
});
