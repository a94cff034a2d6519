/**
 * The sandbox's web server without a browser: the page and its modules, the event stream (a
 * snapshot, then live changes), the actions that relay both ways, Apply, faults and the demo.
 * Runs on Node and on Deno.
 */
import { afterEach, describe, expect, test } from "vitest";
import type { StoredMessage, TopicInfo, WorldEvent } from "../../src/sandbox/emulator/mod.ts";
import { playDemo } from "../../src/sandbox/demo.ts";
import type { StartedSandbox } from "../../src/sandbox/run.ts";
import type { PageSnapshot } from "../../src/sandbox/web/types.ts";
import { call, type EventReader, readEvents, startTestSandbox } from "./helpers.ts";

let sandbox: StartedSandbox | undefined;
let stream: EventReader | undefined;

afterEach(async () => {
  stream?.close();
  await sandbox?.stop();
  sandbox = stream = undefined;
});

const messageIn = (chatId: number, match: (m: StoredMessage) => boolean) => (e: WorldEvent) =>
  e.type === "message" && e.chatId === chatId && match(e.data as StoredMessage);

async function start(): Promise<{ s: StartedSandbox; events: EventReader; snapshot: PageSnapshot }> {
  sandbox = await startTestSandbox();
  stream = await readEvents(sandbox);
  const snapshot = await stream.next("snapshot");
  return { s: sandbox, events: stream, snapshot };
}

describe("sandbox web server", () => {
  test("a user presses an inline button another system sent: the bot gets the callback query", async () => {
    const { s, snapshot } = await start();
    const ann = snapshot.users[0].id;
    await call(s, "user/send", { userId: ann, text: "/start" });
    // What a parallel system driving the same bot does: answer with an inline keyboard.
    const sent = await fetch(`${s.emulatorUrl}/bot${s.session.bot.token}/sendMessage`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ chat_id: ann, text: "Pick a topic", reply_markup: { inline_keyboard: [[{ text: "Billing", callback_data: "billing" }]] } }),
    }).then((r) => r.json() as Promise<{ result: { message_id: number } }>);
    const pressed = await call(s, "user/press", { userId: ann, messageId: sent.result.message_id, data: "billing" });
    expect(pressed.status).toBe(200);
    const queries = s.session.core.updatesFor(s.session.bot.token).filter((u) => u.callback_query);
    expect(queries.map((u) => u.callback_query!.data)).toEqual(["billing"]);
    expect(queries[0].callback_query!.from.id).toBe(ann);
  });

  test("serves the page, its modules from node_modules, and nothing else", async () => {
    sandbox = await startTestSandbox();
    const page = await fetch(sandbox.url);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain('"preact": "/vendor/preact.mjs"');
    for (const path of ["/app/main.js", "/app/store.js", "/vendor/preact.mjs", "/vendor/preact-hooks.mjs", "/vendor/htm.mjs"]) {
      const res = await fetch(sandbox.url + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toContain("javascript");
      await res.arrayBuffer();
    }
    for (const path of ["/app/../session.ts", "/app/missing.js", "/vendor/vitest.mjs", "/nothing"]) {
      const res = await fetch(sandbox.url + path);
      expect(res.status, path).toBe(404);
      await res.arrayBuffer();
    }
  });

  test("streams a snapshot, then relays a user's message to a new topic and the operator's answer back", async () => {
    const { s, events, snapshot } = await start();
    expect(snapshot.users.map((u) => u.firstName)).toEqual(["Ann"]);
    expect(snapshot.config.status).toBe("running");
    expect(snapshot.samples.length).toBeGreaterThan(0);
    const ann = snapshot.users[0].id;
    const group = snapshot.group.id;

    const sent = await call(s, "user/send", { userId: ann, text: "Hello from the API" });
    expect(sent.status).toBe(200);
    const topic = (await events.next("world", (e) => e.type === "topic" && e.chatId === group)).data as TopicInfo;
    expect(topic.name).toContain("Ann Lee");
    await events.next("world", messageIn(group, (m) => m.text === "Hello from the API" && m.message_thread_id === topic.threadId));
    const open = await events.next("conversation", (c) => c.chatId === ann && c.state === "topic-open" && c.topicId === topic.threadId);
    expect(open.status).toBe("user_answered");
    expect(open.transitions[0]).toMatchObject({ event: "user.message", to: "topic-open" });
    expect(open.transitions[0].from).toBeUndefined();

    await call(s, "operator/send", { threadId: topic.threadId, text: "Hi Ann, how can I help?" });
    await events.next("world", messageIn(ann, (m) => m.text === "Hi Ann, how can I help?" && m.from?.is_bot === true));
    await events.next("conversation", (c) => c.chatId === ann && c.status === "support_answered");
    await events.next("stats", (st) => st.delivery.delivered >= 4 && st.outbox === 0);

    // A comment stays in the topic; a sample photo is relayed with its bytes served.
    await call(s, "operator/send", { threadId: topic.threadId, text: "/ internal note" });
    const photo = await call(s, "user/send", { userId: ann, sample: "receipt", text: "my receipt" });
    const fileId = photo.answer.result.photo.at(-1).file_id;
    await events.next("world", messageIn(group, (m) => m.caption === "my receipt"));
    const image = await fetch(`${s.url}/api/files/${fileId}`);
    expect(image.headers.get("content-type")).toBe("image/svg+xml");
    expect(await image.text()).toContain("<svg");
    const state = (await (await fetch(`${s.url}/api/state`)).json()).result as PageSnapshot;
    expect(state.chats[ann].map((m) => m.text ?? m.caption)).not.toContain("/ internal note");
  });

  test("Apply rejects a bad config with its problems and restarts the bot with a good one", async () => {
    const { s, events, snapshot } = await start();
    const bad = await call(s, "config", { yaml: snapshot.config.yaml.replace("limits: off", "limits: sometimes") });
    expect(bad.status).toBe(400);
    expect(bad.answer.problems.join("\n")).toContain("bots[0].limits");
    const elsewhere = await call(s, "config", { yaml: snapshot.config.yaml.replace("api_root: ${SANDBOX_API_ROOT}", "api_root: https://api.telegram.org") });
    expect(elsewhere.answer.problems.join("\n")).toContain("bots[0].api_root");

    // Valid but unable to start (PostgreSQL is not implemented): the previous config runs again.
    const postgres = await call(s, "config", { yaml: snapshot.config.yaml.replace(/storage: .*/, 'storage: "postgres://u:p@localhost/db"') });
    expect(postgres.status).toBe(400);
    expect(postgres.answer.problems.join("\n")).toContain("The previous configuration runs again.");
    await events.next("config", (c) => c.status === "running" && c.problems.length === 2);

    const yaml = snapshot.config.yaml.replace("Hello {title}! An operator will answer here.", "Welcome, {title}!");
    const good = await call(s, "config", { yaml });
    expect(good).toMatchObject({ status: 200, answer: { ok: true, result: true } });
    await events.next("config", (c) => c.status === "restarting");
    await events.next("config", (c) => c.status === "running" && c.yaml === yaml);
    const ben = (await call(s, "users", {})).answer.result;
    expect(ben.firstName).toBe("Ben");
    await events.next("users", (users) => users.some((u) => u.id === ben.id));
    await call(s, "user/send", { userId: ben.id, text: "hi" });
    await events.next("world", messageIn(ben.id, (m) => m.text === "Welcome, Ben Carter!"));
  });

  test("faults: a deleted topic is replaced, armed faults are counted and cleared", async () => {
    const { s, events, snapshot } = await start();
    const ann = snapshot.users[0].id;
    const none = await call(s, "faults", { kind: "delete-topic", userId: ann });
    expect(none.answer.error).toContain("no topic");
    await call(s, "user/send", { userId: ann, text: "first" });
    const first = await events.next("conversation", (c) => c.chatId === ann && c.topicId !== null);
    expect((await call(s, "faults", { kind: "delete-topic", userId: ann })).answer.result).toContain("was deleted");
    await events.next("world", (e) => e.type === "topic" && e.threadId === first.topicId && (e.data as TopicInfo).deleted);
    await call(s, "user/send", { userId: ann, text: "second" });
    await events.next("conversation", (c) => c.chatId === ann && c.topicId !== null && c.topicId !== first.topicId);
    await events.next("stats", (st) => st.delivery.topicsRecreated === 1);

    expect((await call(s, "faults", { kind: "429" })).status).toBe(200);
    await events.next("stats", (st) => st.emulator.faultsArmed === 4);
    await call(s, "faults", { kind: "clear" });
    await events.next("stats", (st) => st.emulator.faultsArmed === 0);
    expect((await call(s, "faults", { kind: "meteor" })).status).toBe(400);
  });

  test("refuses requests that do not come from the page", async () => {
    sandbox = await startTestSandbox();
    const form = await fetch(`${sandbox.url}/api/users`, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" });
    expect(form.status).toBe(403);
    await form.arrayBuffer();
    const foreign = await fetch(`${sandbox.url}/api/users`, { method: "POST", headers: { "content-type": "application/json", origin: "https://evil.example" }, body: "{}" });
    expect(foreign.status).toBe(403);
    await foreign.arrayBuffer();
    // A rebound DNS name reaching the loopback port is not the page either.
    const { request } = await import("node:http");
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${sandbox!.url}/api/state`, { headers: { host: "evil.example" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  test("the demo plays its scenario: three users, answers, a topic closed and reopened", async () => {
    const { s } = await start();
    await playDemo(s.session, { stepMs: 30 });
    const state = await s.session.snapshot();
    expect(state.users.map((u) => u.firstName)).toEqual(["Ann", "Ben", "Chloe"]);
    expect(state.topics.filter((t) => !t.deleted)).toHaveLength(3);
    const ann = state.conversations.find((c) => c.chatId === state.users[0].id)!;
    expect(ann.transitions.map((t) => t.to)).toContain("closed");
    expect(ann.state).toBe("topic-open");
    expect(state.groupMessages.some((m) => m.text?.startsWith("/ carrier"))).toBe(true);
    expect(s.session.demoPlaying).toBe(false);
  });
});
