/** /export end to end: a CSV document in General, all users or by label, hide_info, permissions, bad arguments. */
import type { Message } from "@grammyjs/types";
import type { Kysely } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { createLabel } from "../../plugins/labels/store.ts";
import { openStore } from "../../src/store/open.ts";
import { closeAll, createWorld, firstContact, startSwitchboard, topicMessages, topicNamed, waitFor, type World } from "../support/world.ts";

afterEach(closeAll);

const general = (w: World) => w.emulator.messages(w.groupId).filter((m) => m.message_thread_id === undefined && m.from?.is_bot);
/** An operator writes in General; resolves with the bot's answer there. */
async function ask(w: World, text: string, from = w.operator.id): Promise<Message> {
  const before = general(w).length;
  w.emulator.operatorPosts(w.groupId, from, { text });
  return await waitFor(() => general(w)[before], `answer to ${text}`);
}
/** An operator writes in a topic; resolves with the bot's next text there. */
async function askInTopic(w: World, threadId: number, text: string) {
  const bots = () => topicMessages(w, threadId).filter((m) => m.from?.is_bot && m.text !== undefined);
  const before = bots().length;
  w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId, text });
  return (await waitFor(() => bots()[before], `answer to ${text}`)).text;
}

/** Downloads a document the bot posted, as Telegram serves it: getFile, then /file/bot…/path. */
async function download(w: World, m: Message): Promise<Uint8Array> {
  const answer = await (await fetch(`${w.emulator.url}/bot${w.bot.token}/getFile?file_id=${m.document!.file_id}`)).json() as { result: { file_path: string } };
  return new Uint8Array(await (await fetch(`${w.emulator.url}/file/bot${w.bot.token}/${answer.result.file_path}`)).arrayBuffer());
}

/** An RFC 4180 reader (quoted fields may hold commas, quotes and line breaks), for checking the file. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"', i++);
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") (record.push(field), field = "");
    else if (c === "\r" && text[i + 1] === "\n") {
      record.push(field);
      records.push(record);
      (record = [], field = "", i++);
    } else field += c;
  }
  expect(field).toBe("");
  expect(record).toEqual([]);
  return records;
}

/** Exports and reads the file back: the message, the raw text and the records as objects. */
async function exportCsv(w: World, command = "/export") {
  const m = await ask(w, command);
  expect(m.document, `a document in answer to ${command}, got ${JSON.stringify(m.text)}`).toBeDefined();
  const bytes = await download(w, m);
  const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
  const [head, ...rows] = parseCsv(text.slice(1));
  return { m, text, head, rows: rows.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]]))) };
}

const internal = (w: World) => String(w.groupId).replace(/^-100/, "");
const day = () => new Date().toISOString().slice(0, 10);

describe("/export", () => {
  it("sends every user as CSV (UTF-8 with a BOM, RFC 4180 quoting) with labels, times, status and topic links", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    expect((await ask(w, "/export")).text).toBe("No users yet.");

    const ann = w.emulator.createUser({ firstName: "Ann", lastName: "Lee", username: "annlee", languageCode: "de" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    const annTopic = await waitFor(() => topicNamed(w, "Ann Lee"), "Ann's topic");
    const odd = w.emulator.createUser({ firstName: 'Jo "JJ", Jr', lastName: "second\nline" });
    w.emulator.userSends(w.bot.token, odd.id, { text: "hello" });
    const oddTopic = await waitFor(() => topicNamed(w, "Jo"), "Jo's topic");
    const { topic: bobTopic } = await firstContact(w, "Bob");
    await askInTopic(w, annTopic.threadId, "/mark lead");
    await askInTopic(w, annTopic.threadId, "/mark Vip");
    await askInTopic(w, oddTopic.threadId, "/mark vip");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: bobTopic.threadId, text: "hello Bob" });
    await waitFor(() => topicNamed(w, "🟨 Bob"), "Bob answered");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: bobTopic.threadId, text: "/close" });
    await waitFor(() => topicNamed(w, "⬛️ Bob"), "Bob closed");

    const { m, text, head, rows } = await exportCsv(w);
    expect(m.document!.file_name).toBe(`users-${day()}.csv`);
    expect(m.caption).toBe("3 users.");
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text).toContain('"Jo ""JJ"", Jr second\nline"');
    expect(head).toEqual(["id", "name", "username", "language", "labels", "first_contact", "last_message", "status", "topic_link"]);
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    expect(rows.length).toBe(3);
    const a = byId.get(ann.id)!;
    expect(a).toMatchObject({ name: "Ann Lee", username: "'@annlee", language: "de", labels: "lead Vip", status: "user_answered", topic_link: `https://t.me/c/${internal(w)}/${annTopic.threadId}` });
    expect(a.first_contact).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(a.last_message).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(byId.get(odd.id)).toMatchObject({ name: 'Jo "JJ", Jr second\nline', username: "", language: "", labels: "Vip", topic_link: `https://t.me/c/${internal(w)}/${oddTopic.threadId}` });
    expect([...byId.values()].find((r) => r.name === "Bob")).toMatchObject({ status: "closed", labels: "" });
  });

  it("label NAME: only the users with that label; an unknown label or wrong arguments get one line", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    const { user: ann, topic: annTopic } = await firstContact(w, "Ann");
    await firstContact(w, "Bob");
    await askInTopic(w, annTopic.threadId, "/mark Vip");
    expect((await ask(w, "/mark new empty")).text).toBe("Created label empty.");

    const { m, rows } = await exportCsv(w, "/export label VIP");
    expect(m.document!.file_name).toBe(`users-Vip-${day()}.csv`);
    expect(m.caption).toBe("1 user with label Vip.");
    expect(rows.map((r) => Number(r.id))).toEqual([ann.id]);

    expect((await ask(w, "/export label empty")).text).toBe("No users with label empty.");
    expect((await ask(w, "/export label nope")).text).toBe("No label nope. /mark lists the labels.");
    expect((await ask(w, "/export label 9x")).text).toBe('A label name starts with a Latin letter, then letters, digits, - or _; "9x" does not.');
    const usage = "Usage: /export — a CSV file of all users; /export label NAME — only those with label NAME.";
    expect((await ask(w, "/export label")).text).toBe(usage);
    expect((await ask(w, "/export vip")).text).toBe(usage);
    expect((await ask(w, "/export label a b")).text).toBe(usage);
    expect((await ask(w, "/export help")).text).toBe("/export — a CSV file of all users; /export label NAME — only those with label NAME.");
  });

  it("hide_info: name shows the alias and no username; link hides id and username; title hides like name", async () => {
    for (const [hidden, expectId, expectAlias] of [["name", true, true], ["title", true, true], ["link", false, false]] as const) {
      const w = await createWorld();
      const running = await startSwitchboard(w, { extra: `    params: { hide_info: [${hidden}] }` });
      const ann = w.emulator.createUser({ firstName: "Ann", lastName: "Lee", username: "annlee", languageCode: "en" });
      w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
      await waitFor(() => w.emulator.topics(w.groupId).length > 0, "a topic");
      const { rows } = await exportCsv(w);
      expect(rows.length).toBe(1);
      const row = rows[0];
      expect(row.id, hidden).toBe(expectId ? String(ann.id) : "");
      expect(row.username, hidden).toBe("");
      if (expectAlias) {
        expect(row.name, hidden).not.toContain("Ann");
        expect(row.name, hidden).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+ \d{4}$/);
        expect(w.emulator.topics(w.groupId)[0].name, "the same alias as the title").toContain(row.name);
      } else expect(row.name).toBe("Ann Lee");
      expect(row.language).toBe("en");
      await running.stop();
    }
  });

  it("is for extensions_allowed only", async () => {
    const w = await createWorld();
    const boss = w.emulator.createUser({ firstName: "Boss" });
    await startSwitchboard(w, { extra: `    params: { extensions_allowed: [${boss.id}] }` });
    await firstContact(w, "Ann");
    expect((await ask(w, "/export")).text).toBe("⛔ /export is only for the operators listed in extensions_allowed.");
    expect((await ask(w, "/export label vip")).text).toBe("⛔ /export is only for the operators listed in extensions_allowed.");
    const m = await ask(w, "/export", boss.id);
    expect(m.document?.file_name).toBe(`users-${day()}.csv`);
  });
});

describe("/export of many users", () => {
  it.each(["sqlite", "postgres"] as const)("reads the store a page at a time: 1,201 users, and 400 of them by label, each once (%s)", async (storage) => {
    const w = await createWorld({ storage });
    const first = await startSwitchboard(w);
    const { user: ann } = await firstContact(w, "Ann");
    await first.stop();
    // Clones of Ann's row under other chat ids: the store as 1,200 more users would leave it.
    const db = await openStore(w.storage);
    const row = await db.selectFrom("conversations").selectAll().where("chat_id", "=", ann.id).executeTakeFirstOrThrow();
    const ids = Array.from({ length: 1200 }, (_, i) => 5_000_000 + i);
    for (let at = 0; at < ids.length; at += 100) {
      await db.insertInto("conversations").values(ids.slice(at, at + 100).map((id) => {
        const user = { id, firstName: `User ${id}` };
        const snapshot = JSON.parse(row.snapshot);
        snapshot.context = { ...snapshot.context, chatId: id, user, topicId: null };
        return { ...row, chat_id: id, topic_id: null, user: JSON.stringify(user), snapshot: JSON.stringify(snapshot) };
      })).execute();
    }
    await createLabel(db, "acme", "bulk", Date.now());
    const labelled = ids.filter((_, i) => i % 3 === 0);
    await (db as unknown as Kysely<any>).insertInto("labels_assignment").values(labelled.map((id) => ({ bot_id: "acme", label_key: "bulk", chat_id: id, topic_id: null, assigned_at: 1 }))).execute();
    await db.destroy();

    await startSwitchboard(w);
    const all = await exportCsv(w);
    expect(all.m.caption).toBe("1201 users.");
    expect(all.rows.map((r) => Number(r.id))).toEqual([ann.id, ...ids].sort((a, b) => a - b));
    expect(all.rows.find((r) => r.id === String(ids[3]))).toMatchObject({ name: `User ${ids[3]}`, labels: "bulk", topic_link: "" });
    const some = await exportCsv(w, "/export label bulk");
    expect(some.m.caption).toBe("400 users with label bulk.");
    expect(some.rows.map((r) => Number(r.id))).toEqual(labelled);
  });
});
