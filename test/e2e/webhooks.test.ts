/**
 * The `webhooks` parameter end to end: Telegram is the emulator, Switchboard runs in-process on
 * a real SQLite file, and the receivers are real HTTP servers on 127.0.0.1 that record every
 * request (and answer 500, 400 or nothing when a test says so).
 */
import { createHmac } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Bot } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import { startCli } from "../support/cli.ts";
import { startReceiver } from "../support/webhook-receiver.ts";
import { advanceUntil, closeAll, createWorld, firstContact, freePort, logLines, startSwitchboard, topicMessages, topicNamed, waitFor, type World } from "../support/world.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
  await closeAll();
});

/** A webhook receiver, closed after the test; `answer(n)` picks the reply to the n-th request (0-based), 200 by default. */
async function receiver(o: Parameters<typeof startReceiver>[0] = {}) {
  const r = await startReceiver(o);
  cleanups.push(r.close);
  return r;
}

/** YAML for the bot's `params.webhooks` (and optionally the plugin's own options). */
const hooks = (subscriptions: Record<string, string[]>, options?: string) =>
  `    params:\n      webhooks:\n${Object.entries(subscriptions).map(([url, events]) => `        "${url}": [${events.join(", ")}]\n`).join("")}` +
  (options ? `    plugins: [{ name: webhooks, options: ${options} }]\n` : "");

/** Log lines written since `from` that contain every one of `parts`. */
const logged = (from: number, ...parts: string[]) => logLines.slice(from).filter((l) => parts.every((p) => l.includes(p)));

const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s);

describe("webhooks", () => {
  it("reports a dialog's life in order — created, messages both ways, a command, closed, reopened — signed, with the documented payload", async () => {
    const w = await createWorld();
    const all = await receiver();
    const sentOnly = await receiver();
    await startSwitchboard(w, {
      extra: hooks({
        [all.url]: ["dialog_created", "dialog_reopened", "dialog_closed", "message_received", "message_sent", "/close"],
        [sentOnly.url]: ["message_sent"],
      }, `{ secret: "s3cret" }`),
    });
    const ann = w.emulator.createUser({ firstName: "Ann", lastName: "Lee", username: "ann_lee", languageCode: "en" });
    const hi = w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    await waitFor(() => all.events().length >= 2, "dialog_created and message_received");

    const [created, received] = all.delivered().map((h) => h.body);
    expect(created.event).toBe("dialog_created");
    expect(isUuid(created.id)).toBe(true);
    expect(new Date(created.time).toISOString()).toBe(created.time);
    expect(created.bot).toEqual({ id: "acme", username: "acme_support_bot", group_id: w.groupId });
    // The topic is created by delivery after the step that opened the dialog.
    expect(created.dialog).toEqual({
      chat_id: ann.id, topic_id: null, state: "topic-open", status: "user_answered",
      user: { id: ann.id, first_name: "Ann", last_name: "Lee", username: "ann_lee", language_code: "en" },
    });
    expect(created.message).toBeUndefined();
    expect(received.event).toBe("message_received");
    expect(received.message).toMatchObject({ message_id: hi.message_id, type: "text", text: "hi", telegram: { message_id: hi.message_id, chat: { id: ann.id } } });

    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "Hello Ann" });
    await waitFor(() => all.events().includes("message_sent"), "message_sent");
    const sent = all.delivered().find((h) => h.body.event === "message_sent")!.body;
    expect(sent.operator).toEqual({ id: w.operator.id, first_name: "Olga", last_name: "Operator", username: "olga" });
    expect(sent.dialog).toMatchObject({ topic_id: topic.threadId, state: "topic-open", status: "support_answered" });
    expect(sent.message).toMatchObject({ type: "text", text: "Hello Ann" });
    expect(sent.message?.reply_to_message_id).toBeUndefined(); // the topic's root message is not a reply

    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/close" });
    await waitFor(() => all.events().includes("dialog_closed"), "dialog_closed");
    const command = all.delivered().find((h) => h.body.event === "/close")!.body;
    expect(command.command).toEqual({ name: "close", args: "" });
    expect(command.operator?.id).toBe(w.operator.id);
    const closed = all.delivered().find((h) => h.body.event === "dialog_closed")!.body;
    expect(closed).toMatchObject({ reason: "/close", operator: { id: w.operator.id }, dialog: { state: "closed", status: null } });

    w.emulator.userSends(w.bot.token, ann.id, { text: "back again" });
    await waitFor(() => all.events().filter((e) => e === "message_received").length === 2, "second message_received");
    const reopened = all.delivered().find((h) => h.body.event === "dialog_reopened")!.body;
    expect(reopened).toMatchObject({ reason: "user_message", dialog: { state: "topic-open", topic_id: topic.threadId } });
    expect(reopened.operator).toBeUndefined();

    expect(all.events()).toEqual(["dialog_created", "message_received", "message_sent", "/close", "dialog_closed", "dialog_reopened", "message_received"]);
    expect(all.hits.every((h) => h.answer === 200)).toBe(true);
    expect(new Set(all.hits.map((h) => h.body.id)).size).toBe(all.hits.length);
    for (const h of all.hits) {
      expect(h.headers["content-type"]).toBe("application/json");
      expect(h.headers["x-switchboard-event"]).toBe(h.body.event);
      expect(h.headers["x-switchboard-delivery"]).toBe(h.body.id);
      expect(h.headers["x-switchboard-attempt"]).toBe("1");
      expect(h.headers["x-switchboard-signature"]).toBe(`sha256=${createHmac("sha256", "s3cret").update(h.raw).digest("hex")}`);
    }
    // The other URL got only what it subscribed to — the same event, with the same id.
    await waitFor(() => sentOnly.hits.length >= 1, "message_sent at the second URL");
    expect(sentOnly.events()).toEqual(["message_sent"]);
    expect(sentOnly.hits[0].body.id).toBe(sent.id);
  });

  it("/command subscriptions: a subscribed command nothing else handles is accepted silently and reported; core commands too", async () => {
    const w = await createWorld();
    const r = await receiver();
    await startSwitchboard(w, { extra: hooks({ [r.url]: ["/invoice", "/hold", "message_sent"] }) });
    const { topic } = await firstContact(w, "Ann");
    for (const text of ["/invoice 42 EUR", "/hold", "/wait", "/nosuch", "/help", "done here"]) {
      w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text });
    }
    await waitFor(() => r.events().includes("message_sent"), "message_sent after the commands");
    expect(r.events()).toEqual(["/invoice", "/hold", "message_sent"]);
    const invoice = r.hits[0].body;
    expect(invoice.command).toEqual({ name: "invoice", args: "42 EUR" });
    expect(invoice.message).toMatchObject({ type: "text", text: "/invoice 42 EUR" });
    expect(invoice.operator?.id).toBe(w.operator.id);
    expect(invoice.dialog.topic_id).toBe(topic.threadId);

    const texts = () => topicMessages(w, topic.threadId).map((m) => m.text ?? "");
    await waitFor(() => texts().some((t) => t.startsWith("Commands in a user's topic")), "/help answer");
    expect(texts().find((t) => t.startsWith("Commands in a user's topic"))).toContain("/invoice");
    expect(texts().some((t) => t.startsWith("Unknown command /nosuch"))).toBe(true); // not subscribed: still unknown
    expect(texts().some((t) => t.startsWith("Unknown command /invoice"))).toBe(false);
  });

  it("posts a command webhook's answer into the topic: text, HTML with a keyboard, a photo by file id; acknowledgements stay silent", async () => {
    const w = await createWorld();
    const keyboard = { inline_keyboard: [[{ text: "Open invoice", url: "https://billing.example.com/42" }]] };
    let photoId = "";
    const answers: unknown[] = [
      { text: "Invoice #42 sent to Ann" },
      { text: "<b>Invoice</b> #43", parse_mode: "HTML", reply_markup: keyboard, extra_field: 1 },
      null, // filled in with the photo's file id below
      { ok: true }, // an acknowledgement: nothing to show
    ];
    const r = await receiver({ answer: (n) => (n === 2 ? { status: 200, json: { photo: photoId, caption: "The scan" } } : { status: 200, json: answers[n] }) });
    await startSwitchboard(w, { extra: hooks({ [r.url]: ["/invoice", "/scan"] }) });
    const { user: ann, topic } = await firstContact(w, "Ann");
    w.emulator.userSends(w.bot.token, ann.id, { photo: true, caption: "my receipt" });
    const relayed = await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.caption === "my receipt"), "photo in the topic");
    photoId = relayed.photo!.at(-1)!.file_id;
    const bot = () => topicMessages(w, topic.threadId).filter((m) => m.from?.is_bot && m.from.id === w.bot.id && !m.forward_origin);

    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/invoice 42" });
    const first = await waitFor(() => bot().find((m) => m.text === "Invoice #42 sent to Ann"), "text answer");
    expect(first.message_thread_id).toBe(topic.threadId);

    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/invoice 43" });
    const second = await waitFor(() => bot().find((m) => m.text === "Invoice #43"), "HTML answer");
    expect(second.entities).toEqual([{ type: "bold", offset: 0, length: 7 }]); // parsed as HTML
    expect(second.reply_markup).toEqual(keyboard);

    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/scan" });
    const scan = await waitFor(() => bot().find((m) => m.caption === "The scan"), "photo answer");
    expect(scan.photo!.at(-1)!.file_id).toBe(photoId);

    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/invoice 44" });
    await waitFor(() => r.hits.length === 4, "fourth request");
    // Nothing comes of the acknowledgement (looked at once the operator's next message went through).
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "thanks" });
    await waitFor(() => w.emulator.messages(ann.id).some((m) => m.text === "thanks"), "operator message delivered");
    expect(bot().filter((m) => m.text?.startsWith("⚠️"))).toEqual([]);
    // Nothing reached the user but the operator's own message.
    expect(w.emulator.messages(ann.id).map((m) => m.text).filter((t) => t?.includes("Invoice"))).toEqual([]);
  });

  it("a command webhook that does not answer in time, refuses, or answers nonsense gets a short notice in the topic", async () => {
    const w = await createWorld();
    const r = await receiver({ answer: (n) => (n === 0 ? "hang" : n === 1 ? { status: 200, json: { text: "Late but here" } } : n === 2 ? 404 : { status: 200, json: { text: 42 } }) });
    // On the TestClock: the 2 s timeout and the retry's backoff pass only when the test moves the clock.
    const running = await startSwitchboard(w, { extra: hooks({ [r.url]: ["/invoice"] }, "{ timeout_seconds: 2 }"), testClock: true });
    const { topic } = await firstContact(w, "Ann");
    const notices = () => topicMessages(w, topic.threadId).filter((m) => m.from?.is_bot && m.text?.startsWith("⚠️ /invoice"));

    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/invoice 1" });
    await advanceUntil(running, () => notices().length === 1, "timeout notice", 250);
    expect(notices()[0].text).toBe("⚠️ /invoice: no answer from the webhook (no answer within 2 s). It is tried again; an answer that comes later appears here.");
    // The retry answers: the answer is posted after all.
    await advanceUntil(running, () => topicMessages(w, topic.threadId).some((m) => m.text === "Late but here"), "late answer", 250);
    expect(r.hits.map((h) => h.headers["x-switchboard-attempt"])).toEqual(["1", "2"]);

    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/invoice 2" });
    await advanceUntil(running, () => notices().length === 2, "refusal notice", 250);
    expect(notices()[1].text).toBe("⚠️ /invoice: the webhook refused the command (HTTP 404: not now).");

    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/invoice 3" });
    await advanceUntil(running, () => notices().length === 3, "bad answer notice", 250);
    expect(notices()[2].text).toMatch(/^⚠️ \/invoice: the webhook's answer cannot be shown: .*text.*\.$/);
    expect(r.hits).toHaveLength(4); // a refusal and a bad answer are not retried
  });

  it("a subscribed command that another plugin provides still runs that plugin, and is reported", async () => {
    const w = await createWorld();
    const r = await receiver();
    const plugin = join(w.dir, "stock.ts");
    writeFileSync(plugin, `import { definePlugin } from ${JSON.stringify(fileURLToPath(new URL("../../src/mod.ts", import.meta.url)))};
export default definePlugin({
  name: "stock",
  create: () => ({
    commands: { stock: { help: "/stock — items left", where: "topic", run: () => ({ intents: [{ type: "sendToTopic", text: "stock: 7 left" }] }) } },
  }),
});
`);
    await startSwitchboard(w, { extra: `${hooks({ [r.url]: ["/stock"] })}    plugins: [${JSON.stringify(plugin)}]\n` });
    const { topic } = await firstContact(w, "Ann");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/stock" });
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/help" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "stock: 7 left"), "the plugin's answer");
    await waitFor(() => r.events().includes("/stock"), "the webhook");
    const help = await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text?.startsWith("Commands in a user's topic")), "/help");
    expect(help.text!.match(/\/stock/g)).toHaveLength(1); // listed once: the plugin's own line
    expect(help.text).toContain("/stock — items left");
  });

  it("retries a 500 and a request left unanswered (timeout), with the same id, before anything later for that URL", async () => {
    const w = await createWorld();
    const r = await receiver({ answer: (n) => (n === 0 ? 500 : n === 1 ? "hang" : 200) });
    const from = logLines.length;
    // On the TestClock: the backoff and the 1 s timeout pass when the test moves the clock.
    const running = await startSwitchboard(w, { extra: hooks({ [r.url]: ["dialog_created", "message_received"] }, "{ timeout_seconds: 1 }"), testClock: true });
    await firstContact(w, "Ann");
    await advanceUntil(running, () => r.events().includes("message_received"), "message_received", 250);

    expect(r.hits.map((h) => [h.body.event, h.headers["x-switchboard-attempt"], h.answer])).toEqual([
      ["dialog_created", "1", 500],
      ["dialog_created", "2", "hang"],
      ["dialog_created", "3", 200],
      ["message_received", "1", 200],
    ]);
    expect(new Set(r.hits.slice(0, 3).map((h) => h.body.id)).size).toBe(1);
    expect(new Set(r.hits.slice(0, 3).map((h) => h.raw)).size).toBe(1); // the body is frozen when the event happens
    expect(logged(from, "webhook delivery failed; will retry", "event=dialog_created", "HTTP 500")).toHaveLength(1);
    expect(logged(from, "webhook delivery failed; will retry", "event=dialog_created", "no answer within 1 s")).toHaveLength(1);
  });

  it("gives up an event the receiver refuses (4xx) with an error log, and goes on with the next", async () => {
    const w = await createWorld();
    const r = await receiver({ answer: (n) => (n === 0 ? 400 : 200) });
    const from = logLines.length;
    await startSwitchboard(w, { extra: hooks({ [`${r.url}?token=hidden`]: ["dialog_created", "message_received"] }) });
    await firstContact(w, "Ann");
    await waitFor(() => r.events().includes("message_received"), "message_received");
    expect(r.hits.map((h) => [h.body.event, h.answer])).toEqual([["dialog_created", 400], ["message_received", 200]]);
    const refusal = logged(from, "webhook refused by the receiver; given up", "event=dialog_created", "HTTP 400");
    expect(refusal).toHaveLength(1);
    expect(refusal[0]).not.toContain("hidden"); // URL queries (tokens) stay out of the log
  });

  it("an event queued while the receiver is down is delivered after Switchboard restarts", async () => {
    const w = await createWorld();
    const port = await freePort(); // nothing listens here yet
    const extra = hooks({ [`http://127.0.0.1:${port}/hook`]: ["dialog_created", "message_received"] });
    const from = logLines.length;
    const first = await startSwitchboard(w, { extra });
    const { user } = await firstContact(w, "Ann");
    await waitFor(() => logged(from, "webhook delivery failed; will retry", "event=dialog_created").length > 0, "a failed attempt");
    await first.stop();

    const r = await receiver({ port });
    await startSwitchboard(w, { extra });
    await waitFor(() => r.events().includes("message_received"), "delivery after the restart", 30_000);
    expect(r.events()).toEqual(["dialog_created", "message_received"]);
    expect(Number(r.hits[0].headers["x-switchboard-attempt"])).toBeGreaterThanOrEqual(2);
    expect(r.hits[0].body.dialog.chat_id).toBe(user.id);
  });

  it("SIGKILL with events queued for a receiver that is down: after the restart every one arrives, in order", async () => {
    const w = await createWorld();
    const port = await freePort(); // nothing listens here yet
    const configPath = join(w.dir, "switchboard.yaml");
    writeFileSync(configPath, w.yaml(`    limits: off\n${hooks({ [`http://127.0.0.1:${port}/hook`]: ["dialog_created", "message_received"] })}`));
    const env = { ACME_TOKEN: w.bot.token, SWITCHBOARD_LOG: "info" };
    const first = startCli(["run", "--config", configPath], env);
    const users = ["Ann", "Ben", "Cid"].map((firstName) => w.emulator.createUser({ firstName }));
    try {
      await waitFor(() => /receiving updates/.test(first.out()), "first run connected", 30_000);
      for (const u of users) w.emulator.userSends(w.bot.token, u.id, { text: `hi from ${u.first_name}` });
      // Topics exist only after the steps that queued the webhooks committed.
      for (const u of users) await waitFor(() => topicNamed(w, u.first_name), `topic of ${u.first_name}`, 30_000);
      await waitFor(() => /webhook delivery failed; will retry/.test(first.out()), "a failed attempt", 30_000);
    } finally {
      first.child.kill("SIGKILL");
      await first.exited;
    }

    const r = await receiver({ port });
    const second = startCli(["run", "--config", configPath], env);
    try {
      await waitFor(() => r.events().length >= 6, "all six events after the restart", 60_000);
      for (const u of users) {
        const mine = r.delivered().filter((h) => h.body.dialog.chat_id === u.id).map((h) => h.body.event);
        expect(mine).toEqual(["dialog_created", "message_received"]);
      }
      expect(r.events()).toHaveLength(6);
    } finally {
      second.child.kill("SIGTERM");
      await second.exited;
    }
  });

  it("rejects bad plugin options at start, naming the key", async () => {
    const w = await createWorld();
    await expect(startSwitchboard(w, { extra: hooks({ "http://127.0.0.1:9/hook": ["dialog_created"] }, `{ timeout_seconds: "soon", colour: red }`) }))
      .rejects.toThrow(/bots\[0\]\.plugins\[0\]\.options\.timeout_seconds: expected a number[\s\S]*options\.colour: unknown option/);
  });
});

describe("webhooks in parallel mode", () => {
  const bots: Bot[] = [];
  afterEach(async () => {
    for (const b of bots.splice(0)) await b.stop().catch(() => undefined);
  });

  /** The other system: a grammY bot that answers every text, pointed at Switchboard's proxy. */
  function otherSystem(w: World, port: number) {
    const bot = new Bot(w.bot.token, { client: { apiRoot: `http://127.0.0.1:${port}` } });
    bot.on("message:text", (ctx) => ctx.reply(`Bot: I got "${ctx.message.text}"`));
    bot.catch(() => undefined);
    bots.push(bot);
    void bot.start({ timeout: 1, drop_pending_updates: false });
  }

  it("message_intercepted: what the other system sends to a user is reported", async () => {
    const w = await createWorld();
    const r = await receiver();
    const port = await freePort();
    await startSwitchboard(w, {
      extra: `    parallel: { mode: proxy, listen: "127.0.0.1:${port}" }\n    params: { welcome: off, webhooks: { "${r.url}": [message_intercepted, message_received] } }\n`,
    });
    otherSystem(w, port);
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hello" });
    await waitFor(() => r.events().includes("message_intercepted"), "message_intercepted");
    await waitFor(() => r.events().includes("message_received"), "message_received");
    expect([...r.events()].sort()).toEqual(["message_intercepted", "message_received"]);
    const intercepted = r.delivered().find((h) => h.body.event === "message_intercepted")!.body;
    expect(intercepted.message).toMatchObject({ type: "text", text: 'Bot: I got "hello"', telegram: { chat: { id: ann.id }, from: { is_bot: true } } });
    expect(intercepted.dialog).toMatchObject({ chat_id: ann.id, user: { id: ann.id, first_name: "Ann" } });
    expect(intercepted.operator).toBeUndefined();
  });
});
