/** The templates plugin end to end: /template in General, /send NAME in a topic, declared templates, restarts. */
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { findSaved } from "../../plugins/templates/store.ts";
import { botMessagesTo, closeAll, createWorld, firstContact, startSwitchboard, topicMessages, topicNamed, waitFor, type World } from "../support/world.ts";

afterEach(closeAll);

/** The bot's messages in General. */
const general = (w: World) => w.emulator.messages(w.groupId).filter((m) => m.message_thread_id === undefined && m.from?.is_bot);
/** An operator writes in General; resolves with the bot's next answer there. */
async function ask(w: World, text: string, o: { from?: number; replyTo?: number } = {}) {
  const before = general(w).length;
  w.emulator.operatorPosts(w.groupId, o.from ?? w.operator.id, { text, ...(o.replyTo ? { replyToMessageId: o.replyTo } : {}) });
  return waitFor(() => general(w)[before]?.text !== undefined && general(w)[before], `answer to ${text}`);
}
/** An operator writes in a topic; resolves with the bot's next text there. */
async function askInTopic(w: World, threadId: number, text: string) {
  const before = topicMessages(w, threadId).filter((m) => m.from?.is_bot).length;
  w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId, text });
  return waitFor(() => topicMessages(w, threadId).filter((m) => m.from?.is_bot)[before], `answer to ${text}`);
}

describe("templates", () => {
  it("a save or a deletion commits with its answer and the update: when that commit fails, nothing changed", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w);
    const source = w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "Our prices: 10 €" });
    // The answer cannot be queued: the step's transaction fails, and the update is set aside.
    await sql`alter table outbox rename to outbox_gone`.execute(running.db);
    w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "/template save Prices", replyToMessageId: source.message_id });
    await waitFor(() => running.bots[0].inbox.deadLettered === 1, "the update set aside");
    expect(await findSaved(running.db, "acme", "prices")).toBeUndefined();
    await sql`alter table outbox_gone rename to outbox`.execute(running.db);
    expect((await ask(w, "/template save Prices", { replyTo: source.message_id })).text).toMatch(/^Saved template Prices/);
    await sql`alter table outbox rename to outbox_gone`.execute(running.db);
    w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "/template del Prices" });
    await waitFor(() => running.bots[0].inbox.deadLettered === 2, "the deletion set aside");
    expect(await findSaved(running.db, "acme", "prices")).toBeDefined();
    await sql`alter table outbox_gone rename to outbox`.execute(running.db);
  });

  it("saves a message by reply, lists and previews it, and /send relays it to the user and into the topic (paired)", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    const source = w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "Our prices: 10 €", entities: [{ type: "bold", offset: 0, length: 11 }] });
    const saved = await ask(w, "/template save Prices", { replyTo: source.message_id });
    expect(saved.text).toMatch(/^Saved template Prices \(1 message\)/);
    expect((await ask(w, "/template")).text).toContain("Prices — 1 message");

    const before = general(w).length;
    w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "/template prices" });
    const preview = await waitFor(() => general(w).slice(before).find((m) => m.copiedFrom?.messageId === source.message_id), "preview");
    expect(preview.text).toBe("Our prices: 10 €");

    const { user: ann, topic } = await firstContact(w, "Ann", "how much?");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/send PRICES" });
    const sent = await waitFor(() => botMessagesTo(w, ann.id).find((m) => m.text === "Our prices: 10 €"), "template at the user");
    expect(sent.entities).toEqual([{ type: "bold", offset: 0, length: 11 }]);
    const mirror = await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.from?.is_bot && m.text === "Our prices: 10 €"), "template in the topic");
    expect(topicMessages(w, topic.threadId).some((m) => m.text === "📨 Template Prices sent to the user:")).toBe(true);
    // Like an operator's answer, it makes the dialog 🟨.
    await waitFor(() => topicNamed(w, "Ann")?.name === "🟨 Ann", "🟨 after the template");

    // The user answers the template: the answer shows in the topic as a reply to its copy there.
    w.emulator.userSends(w.bot.token, ann.id, { text: "too expensive", replyToMessageId: sent.message_id });
    const answer = await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text === "too expensive"), "answer");
    expect(answer.reply_to_message?.message_id).toBe(mirror.message_id);
  });

  it("/send in a closed dialog reopens it as 🟨, like an operator's message, and shows the copy in the topic", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    const source = w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "We are back" });
    await ask(w, "/template save back", { replyTo: source.message_id });
    const { user: ann, topic } = await firstContact(w, "Ann");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/close" });
    await waitFor(() => topicNamed(w, "Ann")?.closed, "closed");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/send back" });
    await waitFor(() => botMessagesTo(w, ann.id).find((m) => m.text === "We are back"), "template at the user");
    await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.from?.is_bot && m.text === "We are back"), "copy in the reopened topic");
    await waitFor(() => topicNamed(w, "Ann")?.name === "🟨 Ann" && !topicNamed(w, "Ann")?.closed, "reopened as 🟨");
  });

  it("saves a chain of consecutive messages (an album counts its items) and sends it in one go", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    const first = w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "Step 1" });
    w.emulator.operatorPosts(w.groupId, w.operator.id, { photo: true, caption: "Step 2" });
    w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "Step 3" });
    expect((await ask(w, "/template save howto 3", { replyTo: first.message_id })).text).toMatch(/^Saved template howto \(3 messages\)/);
    const { user: ann, topic } = await firstContact(w, "Ann");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/send howto" });
    const copies = () => botMessagesTo(w, ann.id).filter((m) => m.copiedFrom);
    await waitFor(() => copies().length === 3, "three messages");
    const got = copies();
    expect(got.map((m) => m.text ?? m.caption)).toEqual(["Step 1", "Step 2", "Step 3"]);
    expect(got[1].photo).toBeDefined();
  });

  it("a chain takes General's messages only: a user's topic message between them (ids count across the forum) is passed over", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    const { user: ann, topic } = await firstContact(w, "Ann");
    const first = w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "Step 1" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "meanwhile in Ann's topic" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "meanwhile in Ann's topic"), "the relayed message");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "Step 2" });
    expect((await ask(w, "/template save howto 2", { replyTo: first.message_id })).text).toMatch(/^Saved template howto \(2 messages\)/);
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/send howto" });
    const copies = () => botMessagesTo(w, ann.id).filter((m) => m.copiedFrom);
    await waitFor(() => copies().length === 2, "two messages");
    expect(copies().map((m) => m.text)).toEqual(["Step 1", "Step 2"]);
  });

  it("answers wrong input with one line, and deletes", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    const source = w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "hello" });
    expect((await ask(w, "/template save hello")).text).toMatch(/^Reply to the message to save/);
    expect((await ask(w, "/template save 1abc", { replyTo: source.message_id })).text).toBe('A template name starts with a Latin letter, then letters, digits, - or _; "1abc" does not.');
    expect((await ask(w, "/template save hi 0", { replyTo: source.message_id })).text).toBe('COUNT is a number of messages from 1 to 100; got "0".');
    expect((await ask(w, "/template save save", { replyTo: source.message_id })).text).toBe('"save" is a command word; choose another template name.');
    expect((await ask(w, "/template nope")).text).toBe("No template nope. /template lists them.");
    expect((await ask(w, "/template del nope")).text).toBe("No saved template nope. /template lists them.");
    expect((await ask(w, "/template a b")).text).toMatch(/^Unknown \/template command "a b"/);
    expect((await ask(w, "/template")).text).toMatch(/^No templates yet/);
    expect((await ask(w, "/template help")).text).toContain("/template save NAME COUNT");
    expect((await ask(w, "/template save hi", { replyTo: source.message_id })).text).toMatch(/^Saved template hi/);
    expect((await ask(w, "/template del HI")).text).toBe("Deleted template hi.");
    expect((await ask(w, "/template hi")).text).toBe("No template hi. /template lists them.");

    const { user: ann, topic } = await firstContact(w, "Ann");
    expect((await askInTopic(w, topic.threadId, "/send")).text).toMatch(/^\/send NAME sends a template to this user\. There are no templates yet/);
    expect((await askInTopic(w, topic.threadId, "/send nope")).text).toBe("No template nope. /send lists the templates.");
    expect((await askInTopic(w, topic.threadId, "/send a-")).text).toBe("No template a-. /send lists the templates.");
    expect((await askInTopic(w, topic.threadId, "/send -a")).text).toMatch(/^A template name starts with a Latin letter/);
    expect((await askInTopic(w, topic.threadId, "/send a b")).text).toMatch(/^Usage: \/send NAME/);
    expect(botMessagesTo(w, ann.id).filter((m) => m.text !== undefined && !m.text.startsWith("Hello"))).toEqual([]);
  });

  it("/template is for extensions_allowed only; /send NAME is open to every operator", async () => {
    const w = await createWorld();
    const boss = w.emulator.createUser({ firstName: "Boss" });
    await startSwitchboard(w, { extra: `    params: { extensions_allowed: [${boss.id}] }` });
    const source = w.emulator.operatorPosts(w.groupId, boss.id, { text: "Welcome offer" });
    expect((await ask(w, "/template save offer", { from: w.operator.id, replyTo: source.message_id })).text).toBe("⛔ /template is only for the operators listed in extensions_allowed.");
    expect((await ask(w, "/template", { from: w.operator.id })).text).toBe("⛔ /template is only for the operators listed in extensions_allowed.");
    expect((await ask(w, "/template save offer", { from: boss.id, replyTo: source.message_id })).text).toMatch(/^Saved template offer/);
    const { user: ann, topic } = await firstContact(w, "Ann");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/send offer" });
    await waitFor(() => botMessagesTo(w, ann.id).find((m) => m.text === "Welcome offer"), "sent by a plain operator");
  });

  it("sends templates declared in the configuration (HTML, media, buttons); they cannot be deleted from Telegram", async () => {
    const w = await createWorld();
    const photo = w.emulator.operatorPosts(w.groupId, w.operator.id, { photo: true }).photo!.at(-1)!.file_id;
    await startSwitchboard(w, {
      extra: `    plugins:
      - name: templates
        options:
          templates:
            hello: { text: "<b>Hi</b> there", parse_mode: HTML, buttons: [[{ text: "Site", url: "https://example.com" }]] }
            card: { photo: "${photo}", text: "Our card" }`,
    });
    expect((await ask(w, "/template")).text).toContain("card — declared in the configuration\nhello — declared in the configuration");
    expect((await ask(w, "/template del hello")).text).toBe("Template hello is declared in the configuration; remove it there.");
    const { user: ann, topic } = await firstContact(w, "Ann");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/send hello" });
    const hi = await waitFor(() => botMessagesTo(w, ann.id).find((m) => m.text === "Hi there"), "declared text");
    expect(hi.entities).toEqual([{ type: "bold", offset: 0, length: 2 }]);
    expect(hi.reply_markup).toEqual({ inline_keyboard: [[{ text: "Site", url: "https://example.com" }]] });
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/send card" });
    const card = await waitFor(() => botMessagesTo(w, ann.id).find((m) => m.caption === "Our card"), "declared photo");
    expect(card.photo?.at(-1)?.file_id).toBe(photo);
    await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.caption === "Our card"), "photo in the topic");
  });

  it("refuses a declared template with a bad button, naming the place", async () => {
    const w = await createWorld();
    const start = startSwitchboard(w, {
      extra: `    plugins:
      - name: templates
        options:
          templates:
            hello: { text: "Hi", buttons: [[{ text: "Site", url: "example.com" }]] }
            2x: { text: "x" }`,
    });
    await expect(start).rejects.toThrow(/options\.templates\.hello\.buttons\[0\]\[0\]: expected \{ text, url \}[\s\S]*options\.templates\["2x"\]: A template name starts/);
  });

  it.each(["sqlite", "postgres"] as const)("keeps saved templates across a restart (%s)", async (storage) => {
    const w = await createWorld({ storage });
    const running = await startSwitchboard(w);
    const source = w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "Kept" });
    await ask(w, "/template save kept", { replyTo: source.message_id });
    await running.stop();
    await startSwitchboard(w);
    expect((await ask(w, "/template")).text).toContain("kept — 1 message");
  });
});
