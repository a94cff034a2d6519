/** Built-in plugins driven by Hotline parameters, and the isolation of broken deployer plugins. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { botMessagesTo, closeAll, createWorld, logLines, startSwitchboard, topicMessages, topicNamed, waitFor, type World } from "../support/world.ts";

afterEach(closeAll);
const api = fileURLToPath(new URL("../../src/mod.ts", import.meta.url));

async function world(extra: string): Promise<World> {
  const w = await createWorld();
  await startSwitchboard(w, { extra });
  return w;
}

/** Sends a marker the operators will see, to know everything before it was handled. */
async function flush(w: World, userId: number, topicId: number, marker: string) {
  w.emulator.userSends(w.bot.token, userId, { text: marker });
  await waitFor(() => topicMessages(w, topicId).some((m) => m.text === marker), marker);
}

describe("keyword-gate (private_keywords)", () => {
  it("opens a topic only on a matching message and relays nothing sent before it", async () => {
    const w = await world(`    params: { private_keywords: ["operator", ["talk", "human"]] }`);
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "/start" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "show me the menu" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "I want to talk" }); // only one word of the all-rule
    w.emulator.userSends(w.bot.token, ann.id, { text: "Let me talk to a HUMAN" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    await waitFor(() => topicMessages(w, topic.threadId).length >= 1, "first copy");
    await flush(w, ann.id, topic.threadId, "after the match");
    expect(topicMessages(w, topic.threadId).map((m) => m.text)).toEqual(["Let me talk to a HUMAN", "after the match"]);
    expect(botMessagesTo(w, ann.id)).toHaveLength(1); // the welcome, once, when the topic opened

    // After a close, gating applies again.
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/close" });
    await waitFor(() => topicNamed(w, "Ann")?.closed, "closed");
    w.emulator.userSends(w.bot.token, ann.id, { text: "thanks, bye" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "OPERATOR again please" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "OPERATOR again please"), "reopened by keyword");
    expect(topicMessages(w, topic.threadId).some((m) => m.text === "thanks, bye")).toBe(false);
  });
});

describe("comments (reply_only)", () => {
  it("sends only explicit replies; everything else stays in the topic", async () => {
    const w = await world(`    params: { reply_only: true }`);
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "question" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    const copy = await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text === "question"), "copy");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "note to colleagues" });
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "the answer", replyToMessageId: copy.message_id });
    await waitFor(() => botMessagesTo(w, ann.id).some((m) => m.text === "the answer"), "reply delivered");
    expect(botMessagesTo(w, ann.id).some((m) => m.text === "note to colleagues")).toBe(false);
  });
});

describe("moderation", () => {
  it("ignores ignore_chats, accepts only white_list, and drops restricted words", async () => {
    const w = await createWorld();
    const ann = w.emulator.createUser({ firstName: "Ann" });
    const ben = w.emulator.createUser({ firstName: "Ben" });
    const cid = w.emulator.createUser({ firstName: "Cid" });
    await startSwitchboard(w, { extra: `    params: { white_list: [${ann.id}, ${ben.id}], ignore_chats: [${ben.id}], restricted_keywords_frontend: ["casino"] }` });
    w.emulator.userSends(w.bot.token, cid.id, { text: "not on the white list" });
    w.emulator.userSends(w.bot.token, ben.id, { text: "ignored chat" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hello" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "best CASINO bonus" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    await flush(w, ann.id, topic.threadId, "marker");
    expect(topicMessages(w, topic.threadId).map((m) => m.text)).toEqual(["hello", "marker"]);
    expect(w.emulator.topics(w.groupId).filter((t) => !t.deleted)).toHaveLength(1);
  });
});

describe("help", () => {
  it("/help lists the core's and the plugins' commands and is never relayed", async () => {
    const w = await world("");
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/help" });
    const help = await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.from?.is_bot && m.text?.startsWith("Commands")), "help");
    for (const command of ["/close", "/hold", "/wait", "/ban", "/unban", "/help"]) expect(help.text).toContain(command);
    expect(botMessagesTo(w, ann.id).some((m) => m.text?.includes("Commands"))).toBe(false);
    expect(topicMessages(w, topic.threadId).some((m) => m.text?.startsWith("Unknown command"))).toBe(false);
  });
});

describe("General topic", () => {
  it("/help and typos in General are answered in General; chatter is ignored", async () => {
    const w = await world("");
    const general = () => w.emulator.messages(w.groupId).filter((m) => m.message_thread_id === undefined && m.from?.is_bot);
    w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "good morning team" });
    w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "/help" });
    const help = await waitFor(() => general().find((m) => m.text?.includes("/close")), "help in General");
    expect(help.text).toContain("/help");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "/hlep" });
    await waitFor(() => general().find((m) => m.text?.startsWith("Unknown command /hlep")), "typo answered");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "/help@some_other_bot" });
    w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "/hlep2" });
    await waitFor(() => general().find((m) => m.text?.startsWith("Unknown command /hlep2")), "second typo");
    expect(general()).toHaveLength(3); // chatter and the other bot's command got no answer
  });
});

describe("custom-commands (custom_commands: false)", () => {
  it("leaves unknown commands to a helper bot: no answer in topics or General; known ones still work", async () => {
    const w = await world(`    params: { CUSTOM_COMMANDS: "off" }`);
    const bot = (m: { from?: { is_bot?: boolean } }) => m.from?.is_bot === true;
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/crm lookup" });
    // Steps of one dialog run in order: once /help is answered, /crm was handled before it.
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/help" });
    await waitFor(() => topicMessages(w, topic.threadId).find((m) => bot(m) && m.text?.startsWith("Commands")), "help in the topic");
    expect(topicMessages(w, topic.threadId).filter((m) => bot(m) && m.text?.startsWith("Unknown command"))).toEqual([]);
    expect(botMessagesTo(w, ann.id).map((m) => m.text)).not.toContain("/crm lookup");

    // The same in General, where Switchboard's own commands still answer.
    const general = () => w.emulator.messages(w.groupId).filter((m) => m.message_thread_id === undefined && bot(m));
    w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "/report today" });
    w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "/help" });
    await waitFor(() => general().find((m) => m.text?.includes("/close")), "help in General");
    expect(general().filter((m) => m.text?.startsWith("Unknown command"))).toEqual([]);

    // Core commands are still Switchboard's.
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/close" });
    await waitFor(() => topicNamed(w, "Ann")?.closed, "closed");
  });
});

describe("state hooks", () => {
  it("onEnter and onLeave run for the states a dialog passes through", async () => {
    const w = await createWorld();
    const tracer = join(w.dir, "tracer.ts");
    writeFileSync(tracer, `import { definePlugin } from ${JSON.stringify(api)};
const note = (text) => () => ({ intents: [{ type: "sendToTopic", text }] });
export default definePlugin({
  name: "tracer",
  create: () => ({
    onEnter: { "topic-open": note("entered topic-open"), closed: note("entered closed") },
    onLeave: { closed: note("left closed") },
  }),
});
`);
    await startSwitchboard(w, { extra: `    plugins: [${JSON.stringify(tracer)}]` });
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/close" });
    await waitFor(() => topicNamed(w, "Ann")?.closed, "closed");
    w.emulator.userSends(w.bot.token, ann.id, { text: "back" });
    await waitFor(() => topicMessages(w, topic.threadId).filter((m) => m.text?.startsWith("entered topic-open")).length === 2, "second entry");
    const notes = topicMessages(w, topic.threadId).filter((m) => m.from?.is_bot && /^(entered|left)/.test(m.text ?? "")).map((m) => m.text);
    expect(notes).toEqual(["entered topic-open", "entered closed", "left closed", "entered topic-open"]);
  });
});

describe("plugin storage", () => {
  it("runs a plugin's migrations in its own namespace and lets it use its tables across restarts", async () => {
    const w = await createWorld();
    const counter = join(w.dir, "counter.ts");
    writeFileSync(counter, `import { definePlugin } from ${JSON.stringify(api)};
export default definePlugin({
  name: "counter",
  migrations: {
    "0001_initial": {
      async up(db) {
        await db.schema.createTable("counter_hits").addColumn("chat_id", "integer", (c) => c.primaryKey()).addColumn("n", "integer").execute();
      },
    },
  },
  create: (_options, env) => ({
    commands: {
      count: {
        help: "/count — how often this was asked",
        where: "topic",
        async run(ctx) {
          const chat = ctx.conversation.chatId;
          await env.db.insertInto("counter_hits").values({ chat_id: chat, n: 1 })
            .onConflict((c) => c.column("chat_id").doUpdateSet((eb) => ({ n: eb("counter_hits.n", "+", 1) }))).execute();
          const row = await env.db.selectFrom("counter_hits").select("n").where("chat_id", "=", chat).executeTakeFirst();
          return { intents: [{ type: "sendToTopic", text: "count=" + row.n }] };
        },
      },
    },
  }),
});
`);
    const extra = `    plugins: [${JSON.stringify(counter)}]`;
    const first = await startSwitchboard(w, { extra });
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/count" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "count=1"), "count=1");
    await first.stop();
    await startSwitchboard(w, { extra });
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/count" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "count=2"), "count=2 after restart");
  });
});

describe("Effect services", () => {
  it("hooks may return Effects that use services from any plugin's layer; failures are isolated", async () => {
    const w = await createWorld();
    const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}.ts`, import.meta.url));
    await startSwitchboard(w, {
      extra: `    plugins: [${["greeting-service", "greets-with-effect", "fails-with-effect"].map((n) => JSON.stringify(fixture(n))).join(", ")}]`,
    });
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "👋 Effect says hello to Ann"), "greeting from the service");
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "hi"), "message still relayed");
    expect(logLines.some((l) => /plugin hook failed/.test(l) && /plugin=fails-with-effect/.test(l))).toBe(true);
  });
});

describe("isolation", () => {
  it("a plugin that throws or hangs is logged with its name and the conversation; nothing is lost", async () => {
    const w = await createWorld();
    const broken = join(w.dir, "broken.ts");
    writeFileSync(broken, `import { definePlugin } from ${JSON.stringify(api)};
export default definePlugin({
  name: "broken",
  create: () => ({
    onEvent() { throw new Error("boom"); },
    mayOpen() { return new Promise(() => {}); },
  }),
});
`);
    await startSwitchboard(w, { extra: `    plugins: [${JSON.stringify(broken)}]` });
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "still relayed" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic", 30_000);
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "still relayed"), "copy", 30_000);
    await waitFor(() => botMessagesTo(w, ann.id).length === 1, "welcome still sent", 30_000);
    expect(logLines.some((l) => /plugin hook failed/.test(l) && /plugin=broken/.test(l) && new RegExp(`chat=${ann.id}`).test(l) && /boom/.test(l))).toBe(true);
    expect(logLines.some((l) => /plugin hook timed out/.test(l) && /plugin=broken/.test(l) && /hook=mayOpen/.test(l))).toBe(true);
  });

  it("a plugin path that does not load stops start-up with the config path in the message", async () => {
    const w = await createWorld();
    await expect(startSwitchboard(w, { extra: `    plugins: ["${join(w.dir, "missing.ts")}"]` })).rejects.toThrow(/bots\[0\]\.plugins\[0\]: cannot load/);
  });
});
