/** The labels plugin end to end: /mark in topics and in General, funnels, sends, tickers, permissions, restarts. */
import { afterEach, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { getLabel, renameLabel } from "../../plugins/labels/store.ts";
import { openStore } from "../../src/store/open.ts";
import { botMessagesTo, closeAll, createWorld, firstContact, startSwitchboard, topicMessages, topicNamed, waitFor, type World } from "../support/world.ts";

afterEach(closeAll);

const general = (w: World) => w.emulator.messages(w.groupId).filter((m) => m.message_thread_id === undefined && m.from?.is_bot);
/** An operator writes in General; resolves with the bot's answer there. */
async function ask(w: World, text: string, o: { from?: number; replyTo?: number } = {}) {
  const before = general(w).length;
  w.emulator.operatorPosts(w.groupId, o.from ?? w.operator.id, { text, ...(o.replyTo ? { replyToMessageId: o.replyTo } : {}) });
  return (await waitFor(() => general(w)[before], `answer to ${text}`)).text;
}
/** An operator writes in a topic; resolves with the bot's next text there. */
async function askInTopic(w: World, threadId: number, text: string) {
  const bots = () => topicMessages(w, threadId).filter((m) => m.from?.is_bot && m.text !== undefined);
  const before = bots().length;
  w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId, text });
  return (await waitFor(() => bots()[before], `answer to ${text}`)).text;
}
const titleOf = (w: World, threadId: number) => w.emulator.topics(w.groupId).find((t) => t.threadId === threadId)?.name;

describe("labels in a topic", () => {
  it("shows, sets (creating new labels), refuses duplicates and removes; wrong input gets one line", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    const { topic } = await firstContact(w, "Ann");
    const t = topic.threadId;
    expect(await askInTopic(w, t, "/mark")).toMatch(/^No labels on this topic\.\n\/mark — this topic's labels/);
    expect(await askInTopic(w, t, "/mark Vip")).toBe("🏷 Set label Vip (a new label).");
    expect(await askInTopic(w, t, "/mark lead")).toBe("🏷 Set label lead (a new label).");
    expect(await askInTopic(w, t, "/mark VIP")).toBe("This topic already has label Vip.");
    expect(await askInTopic(w, t, "/mark")).toBe("Labels: Vip, lead");
    expect(await askInTopic(w, t, "/mark del vip")).toBe("🏷 Removed label Vip.");
    expect(await askInTopic(w, t, "/mark del vip")).toBe("This topic has no label vip.");
    expect(await askInTopic(w, t, "/mark 7up")).toBe('A label name starts with a Latin letter, then letters, digits, - or _; "7up" does not.');
    expect(await askInTopic(w, t, "/mark a b")).toBe("Usage: /mark NAME or /mark del NAME (label properties are set in General).");
    expect(await askInTopic(w, t, "/mark del")).toBe("Usage: /mark NAME or /mark del NAME (label properties are set in General).");
    expect(await askInTopic(w, t, "/mark help")).toContain("/mark del NAME — remove a label");
    expect(await askInTopic(w, t, "/mark")).toBe("Labels: lead");
  });
});

describe("labels in General", () => {
  it("a change commits with its answer and the update: when that commit fails, nothing changed; the next commands see each other's changes", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w);
    // The answer cannot be queued: the step's transaction fails, and the update is set aside.
    await sql`alter table outbox rename to outbox_gone`.execute(running.db);
    w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "/mark new Lead" });
    await waitFor(() => running.bots[0].inbox.deadLettered === 1, "the update set aside");
    expect(await getLabel(running.db, "acme", "lead")).toBeUndefined();
    await sql`alter table outbox_gone rename to outbox`.execute(running.db);
    // Sent together (one inbox batch): each command reads what the one before it wrote.
    w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "/mark new Lead" });
    w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "/mark lead ticker 🔥" });
    w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "/mark lead name Prospect" });
    await waitFor(() => general(w).length === 3, "three answers");
    expect(general(w).map((m) => m.text)).toEqual(["Created label Lead.", "Label Lead shows 🔥 in titles now (0 topics retitled).", "Renamed label Lead to Prospect."]);
    expect(await getLabel(running.db, "acme", "prospect")).toMatchObject({ name: "Prospect", ticker: "🔥" });
  });

  it("lists with counts, creates, shows properties and topic links, renames; wrong input gets one line", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    expect(await ask(w, "/mark")).toMatch(/^No labels yet\.\n\nLabels:\n\/mark — all labels/);
    expect(await ask(w, "/mark new Lead")).toBe("Created label Lead.");
    expect(await ask(w, "/mark new lead")).toBe("Label lead already exists.");
    expect(await ask(w, "/mark new 9x")).toBe('A label name starts with a Latin letter, then letters, digits, - or _; "9x" does not.');
    expect(await ask(w, "/mark new")).toBe("Usage: /mark new NAME.");
    expect(await ask(w, "/mark new help")).toBe('"help" is a command word; choose another label name.');
    expect(await ask(w, "/mark nope")).toBe("No label nope. /mark new nope creates it.");
    expect(await ask(w, "/mark lead colour red")).toBe('Unknown label property "colour": use after, sends, ticker or name (/mark help).');
    expect(await ask(w, "/mark help")).toContain("/mark NAME after L1,L2");

    const { topic: annTopic } = await firstContact(w, "Ann");
    const { topic: bobTopic } = await firstContact(w, "Bob");
    await askInTopic(w, annTopic.threadId, "/mark lead");
    await askInTopic(w, bobTopic.threadId, "/mark LEAD");
    await askInTopic(w, bobTopic.threadId, "/mark vip");
    expect(await ask(w, "/mark")).toBe("Labels (2):\nLead — 2 topics\nvip — 1 topic\n\n/mark NAME shows one; /mark help lists the commands.");
    const internal = String(w.groupId).replace(/^-100/, "");
    expect(await ask(w, "/mark lead")).toBe(
      `Label Lead\nafter: —\nsends: —\nticker: —\nTopics (2):\nhttps://t.me/c/${internal}/${annTopic.threadId}\nhttps://t.me/c/${internal}/${bobTopic.threadId}`,
    );
    expect(await ask(w, "/mark lead name vip")).toBe("Label vip already exists.");
    expect(await ask(w, "/mark lead name 1st")).toMatch(/^A label name starts with a Latin letter/);
    expect(await ask(w, "/mark lead name Prospect")).toBe("Renamed label Lead to Prospect.");
    expect(await ask(w, "/mark")).toContain("Prospect — 2 topics");
    await waitFor(async () => (await askInTopic(w, bobTopic.threadId, "/mark")) === "Labels: Prospect, vip", "renamed in the topic");
  });

  it("after: setting a label removes its funnel predecessors; after clear stops it", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    await ask(w, "/mark new lead");
    await ask(w, "/mark new trial");
    await ask(w, "/mark new client");
    expect(await ask(w, "/mark client after lead, TRIAL")).toBe("Setting client now removes lead, trial.");
    expect(await ask(w, "/mark client after client")).toBe("A label cannot remove itself: client is in its own after list.");
    expect(await ask(w, "/mark client after ghost")).toBe("No label ghost. /mark new NAME creates one.");
    expect(await ask(w, "/mark client after")).toBe("Usage: /mark client after L1,L2 (or after clear).");
    expect(await ask(w, "/mark client")).toContain("after: lead, trial (setting client removes them)");
    const { topic } = await firstContact(w, "Ann");
    const t = topic.threadId;
    await askInTopic(w, t, "/mark lead");
    await askInTopic(w, t, "/mark trial");
    expect(await askInTopic(w, t, "/mark client")).toBe("🏷 Set label client. Removed lead, trial.");
    expect(await askInTopic(w, t, "/mark")).toBe("Labels: client");
    expect(await ask(w, "/mark")).toContain("lead — 0 topics");
    expect(await ask(w, "/mark client after clear")).toBe("Setting client no longer removes other labels.");
    await askInTopic(w, t, "/mark del client");
    await askInTopic(w, t, "/mark lead");
    expect(await askInTopic(w, t, "/mark client")).toBe("🏷 Set label client.");
    expect(await askInTopic(w, t, "/mark")).toBe("Labels: lead, client");
  });

  it("sends: setting the label sends its template to the user", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    const offer = w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "10 % off for VIPs" });
    await ask(w, "/template save offer", { replyTo: offer.message_id });
    await ask(w, "/mark new vip");
    expect(await ask(w, "/mark vip sends nope")).toBe("No template nope. /template lists them.");
    expect(await ask(w, "/mark vip sends OFFER")).toBe("Setting vip now sends template offer to the user.");
    expect(await ask(w, "/mark vip")).toContain("sends: offer");
    const { user: ann, topic } = await firstContact(w, "Ann");
    await askInTopic(w, topic.threadId, "/mark vip");
    await waitFor(() => botMessagesTo(w, ann.id).find((m) => m.text === "10 % off for VIPs"), "template sent on marking");
    await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text === "📨 Template offer sent to the user (label vip):"), "note in the topic");
    expect(await ask(w, "/mark vip sends clear")).toBe("Setting vip no longer sends a template.");
    const { user: bob, topic: bobTopic } = await firstContact(w, "Bob");
    await askInTopic(w, bobTopic.threadId, "/mark vip");
    expect(botMessagesTo(w, bob.id).some((m) => m.text === "10 % off for VIPs")).toBe(false);
  });
});

describe("tickers", () => {
  it("show in the title after the name, survive status changes, follow ticker edits and clears", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    await ask(w, "/mark new vip");
    expect(await ask(w, "/mark vip ticker ⭐")).toBe("Label vip shows ⭐ in titles now (0 topics retitled).");
    expect(await ask(w, "/mark vip ticker 12345678901234567")).toBe('A ticker has at most 16 characters; "12345678901234567" is longer.');
    const { topic } = await firstContact(w, "Ann");
    const t = topic.threadId;
    await askInTopic(w, t, "/mark vip");
    await waitFor(() => titleOf(w, t) === "🟪 Ann ⭐", "ticker in the title");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: t, text: "hello" });
    await waitFor(() => titleOf(w, t) === "🟨 Ann ⭐", "ticker kept through a status change");
    expect(await ask(w, "/mark vip ticker Alex K")).toBe("Label vip shows Alex K in titles now (1 topic retitled).");
    await waitFor(() => titleOf(w, t) === "🟨 Ann Alex K", "new ticker in the existing topic");
    await askInTopic(w, t, "/mark del vip");
    await waitFor(() => titleOf(w, t) === "🟨 Ann", "no ticker after the label is removed");
    await askInTopic(w, t, "/mark vip");
    await waitFor(() => titleOf(w, t) === "🟨 Ann Alex K", "back");
    expect(await ask(w, "/mark vip ticker clear")).toBe("Label vip has no ticker now (1 topic retitled).");
    await waitFor(() => titleOf(w, t) === "🟨 Ann", "ticker cleared");
  });

  it("title changes are coalesced: queued titles are superseded by the newest", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    for (const n of ["a", "b", "c"]) {
      await ask(w, `/mark new ${n}`);
      await ask(w, `/mark ${n} ticker ${n.toUpperCase()}`);
    }
    const { topic } = await firstContact(w, "Ann");
    const t = topic.threadId;
    const edits = () => w.emulator.messages(w.groupId, { threadId: t }).filter((m) => "forum_topic_edited" in m).length;
    const held = w.emulator.hold({ method: "editForumTopic" });
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: t, text: "hello" });
    await held.reached;
    // The lane waits on the held title edit; three more titles queue behind it.
    for (const n of ["a", "b", "c"]) w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: t, text: `/mark ${n}` });
    await waitFor(async () => (await ask(w, "/mark"))?.includes("c C — 1 topic"), "the three marks committed");
    held.release();
    await waitFor(() => titleOf(w, t) === "🟨 Ann A B C", "newest title");
    await waitFor(() => topicMessages(w, t).filter((m) => m.text?.startsWith("🏷 Set label")).length === 3, "the answers");
    expect(edits()).toBe(2); // the held one and the newest; the two in between were superseded
  });
});

describe("permissions and restarts", () => {
  it("/mark in General is for extensions_allowed only; /mark in a topic is open to operators", async () => {
    const w = await createWorld();
    const boss = w.emulator.createUser({ firstName: "Boss" });
    await startSwitchboard(w, { extra: `    params: { extensions_allowed: [${boss.id}] }` });
    expect(await ask(w, "/mark")).toBe("⛔ /mark in General is only for the operators listed in extensions_allowed.");
    expect(await ask(w, "/mark new vip")).toBe("⛔ /mark in General is only for the operators listed in extensions_allowed.");
    expect(await ask(w, "/mark new vip", { from: boss.id })).toBe("Created label vip.");
    const { topic } = await firstContact(w, "Ann");
    expect(await askInTopic(w, topic.threadId, "/mark vip")).toBe("🏷 Set label vip.");
  });

  it.each(["sqlite", "postgres"] as const)("keeps labels, their properties and tickers across a restart (%s)", async (storage) => {
    const w = await createWorld({ storage });
    const running = await startSwitchboard(w);
    await ask(w, "/mark new vip");
    await ask(w, "/mark vip ticker ⭐");
    const { user: ann, topic } = await firstContact(w, "Ann");
    await askInTopic(w, topic.threadId, "/mark vip");
    await waitFor(() => titleOf(w, topic.threadId) === "🟪 Ann ⭐", "ticker");
    await running.stop();
    await startSwitchboard(w);
    expect(await ask(w, "/mark")).toContain("vip ⭐ — 1 topic");
    expect(await askInTopic(w, topic.threadId, "/mark")).toBe("Labels: vip");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "still here" });
    await waitFor(() => botMessagesTo(w, ann.id).some((m) => m.text === "still here"), "relayed");
    await waitFor(() => titleOf(w, topic.threadId) === "🟨 Ann ⭐", "ticker kept after the restart");
  });

  it("a General rename onto a label a topic creates in the same batch answers what happened and keeps the topic's label", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w);
    expect(await ask(w, "/mark new A")).toBe("Created label A.");
    const { topic } = await firstContact(w, "Ann");
    await running.stop();
    // Both wait in Telegram while Switchboard is down, so they arrive in one inbox batch: the
    // topic's /mark B creates B in the commit the General rename onto B would share.
    const answers = general(w).length;
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/mark B" });
    w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "/mark A name B" });
    const restarted = await startSwitchboard(w);
    expect((await waitFor(() => general(w)[answers], "the rename's answer")).text).toBe("Label B already exists.");
    expect(await askInTopic(w, topic.threadId, "/mark")).toBe("Labels: B");
    expect(await getLabel(restarted.db, "acme", "a")).toMatchObject({ name: "A" });
    expect(restarted.bots[0].inbox.deadLettered).toBe(0);
  });

  it("a /mark OLD name NEW replayed after a crash between the rename and its sync timers still fixes the topics", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w);
    const { topic } = await firstContact(w, "Ann");
    await askInTopic(w, topic.threadId, "/mark lead");
    await running.stop();
    // The crash window: the rename committed (General writes its rows at once), the step that
    // carried the conversations' sync timers did not; the update comes again after the restart.
    const db = await openStore(w.storage);
    await renameLabel(db, "acme", "lead", "Prospect");
    await db.destroy();
    await startSwitchboard(w);
    expect(await askInTopic(w, topic.threadId, "/mark")).toBe("Labels: lead"); // the conversation's stale copy
    expect(await ask(w, "/mark lead name Prospect")).toBe("No label lead; Prospect exists (1 topic re-read their labels).");
    await waitFor(async () => (await askInTopic(w, topic.threadId, "/mark")) === "Labels: Prospect", "the topic re-read its labels");
    expect(await askInTopic(w, topic.threadId, "/mark del prospect")).toBe("🏷 Removed label Prospect.");
  });
});
