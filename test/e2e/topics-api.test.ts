/**
 * The Topics API on the admin listener, end to end through the emulator: dialog info by topic
 * and by user (Hotline's `info_by_topic` fields, and its `topic_action` call), the open dialogs
 * with their wait, a message posted as the user (it opens a topic), a message sent as an
 * operator (it reaches the user and shows in the topic), close / reopen / labels through the
 * operators' commands, Idempotency-Key replays, and the 4xx answers.
 */
import { TestClock } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import { startReceiver } from "../support/webhook-receiver.ts";
import { botMessagesTo, closeAll, createWorld, firstContact, freePort, startSwitchboard, topicMessages, topicNamed, waitFor, type World } from "../support/world.ts";

afterEach(closeAll);

const TOKEN = "topics-api-token-0123456789abcdef";
const auth = { authorization: `Bearer ${TOKEN}` };

/** A deployment with the admin listener; `params` are the bot's (YAML flow map body). */
async function deploy(o: { params?: string; testClock?: boolean } = {}) {
  const w = await createWorld();
  const port = await freePort();
  const extra = `${o.params ? `    params: { ${o.params} }\n` : ""}admin: { listen: "127.0.0.1:${port}", token: "${TOKEN}" }\n`;
  const running = await startSwitchboard(w, { extra, ...(o.testClock ? { testClock: true } : {}) });
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = auth) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { ...headers, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : undefined };
  };
  return { w, port, running, call };
}

const dialogStatus = async (call: Awaited<ReturnType<typeof deploy>>["call"], userId: number) => (await call("GET", `/api/bots/acme/users/${userId}`)).json?.topic_status;

describe("Topics API: reading", () => {
  it("tells a dialog by topic and by user in Hotline's info_by_topic fields, and through Hotline's topic_action call", async () => {
    const { w, call } = await deploy();
    const { user, topic } = await firstContact(w, "Ann", "hello");
    const byTopic = await call("GET", `/api/bots/acme/topics/${topic.threadId}`);
    expect(byTopic.status).toBe(200);
    expect(byTopic.json).toMatchObject({
      bot: "acme", frontend_type: "private", chat_id: user.id, thread_id: topic.threadId, topic_status: "user_answered",
      topic_title: topic.name, user_id: user.id, user_first_name: "Ann", user_name: "Ann", labels: [],
    });
    expect(byTopic.json.instance_name).toBe(w.bot.username);
    expect(typeof byTopic.json.topic_last_date).toBe("string");
    expect(byTopic.json.wait_seconds).toBeGreaterThanOrEqual(0);
    const byUser = await call("GET", `/api/bots/acme/users/${user.id}`);
    // The same dialog either way; the wait is read on the real clock and may have turned a second between the calls.
    expect({ ...byUser.json, wait_seconds: 0 }).toEqual({ ...byTopic.json, wait_seconds: 0 });
    expect(byUser.json.wait_seconds - byTopic.json.wait_seconds).toBeGreaterThanOrEqual(0);

    // Hotline's own call: group id as in t.me/c/<group_id>/<topic_id>, the key in X-API-KEY.
    const groupInLinks = -w.groupId - 1_000_000_000_000;
    const hotline = await call("POST", "/webhook/topic_action", { action: "info_by_topic", group_id: groupInLinks, topic_id: topic.threadId, api_key: "ignored" }, { "x-api-key": TOKEN });
    expect(hotline.status).toBe(200);
    expect(hotline.json).toMatchObject({ chat_id: user.id, thread_id: topic.threadId, topic_status: "user_answered", user_first_name: "Ann" });
    expect((await call("POST", "/webhook/topic_action", { action: "send_everything", topic_id: 1 })).status).toBe(400);
    expect((await call("POST", "/webhook/topic_action", { action: "info_by_topic", topic_id: 99999 })).status).toBe(404);
  });

  it("hides names under hide_info: [name] and the username under [link]", async () => {
    const { w, call } = await deploy({ params: "hide_info: [name, link]" });
    const user = w.emulator.createUser({ firstName: "Secret", lastName: "Person", username: "secretp" });
    w.emulator.userSends(w.bot.token, user.id, { text: "hi" });
    const info = await waitFor(async () => (await call("GET", `/api/bots/acme/users/${user.id}`)).json?.thread_id && (await call("GET", `/api/bots/acme/users/${user.id}`)).json, "the dialog");
    expect(info.user_id).toBe(user.id);
    expect(info.user_name).toBeNull();
    expect(info.user_first_name).toBeNull();
    expect(info.user_last_name).toBeNull();
    expect(info.user_username).toBeNull();
    expect(info.topic_title).not.toContain("Secret");
  });

  it("hides what hide_info hides elsewhere: [title] hides a user's names and username, [link] only the username", async () => {
    const infoUnder = async (params: string) => {
      const { w, call } = await deploy({ params });
      const user = w.emulator.createUser({ firstName: "Secret", lastName: "Person", username: "secretp" });
      w.emulator.userSends(w.bot.token, user.id, { text: "hi" });
      return waitFor(async () => (await call("GET", `/api/bots/acme/users/${user.id}`)).json?.thread_id && (await call("GET", `/api/bots/acme/users/${user.id}`)).json, "the dialog");
    };
    const title = await infoUnder("hide_info: [title]");
    expect(title).toMatchObject({ user_name: null, user_first_name: null, user_last_name: null, user_username: null });
    expect(title.topic_title).not.toContain("Secret");
    const link = await infoUnder("hide_info: [link]");
    expect(link).toMatchObject({ user_first_name: "Secret", user_last_name: "Person", user_username: null });
  });

  it("lists the open dialogs with their wait, longest first; an answered one waits no more", async () => {
    const { w, running, call } = await deploy({ testClock: true });
    const ann = await firstContact(w, "Ann", "first");
    await running.run(TestClock.adjust(60_000));
    const bob = await firstContact(w, "Bob", "second");
    await running.run(TestClock.adjust(30_000));
    const list = await call("GET", "/api/bots/acme/dialogs");
    expect(list.status).toBe(200);
    expect(list.json.count).toBe(2);
    expect(list.json.dialogs.map((d: { user_id: number }) => d.user_id)).toEqual([ann.user.id, bob.user.id]);
    expect(list.json.dialogs[0].wait_seconds).toBe(90);
    expect(list.json.dialogs[1].wait_seconds).toBe(30);

    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: ann.topic.threadId, text: "On it" });
    await waitFor(async () => (await dialogStatus(call, ann.user.id)) === "support_answered", "Ann answered");
    const after = await call("GET", "/api/bots/acme/dialogs");
    expect(after.json.dialogs.map((d: { user_id: number; wait_seconds: number | null }) => [d.user_id, d.wait_seconds])).toEqual([[bob.user.id, 30], [ann.user.id, null]]);
    const waiting = await call("GET", "/api/bots/acme/dialogs?status=user_answered");
    expect(waiting.json.dialogs.map((d: { user_id: number }) => d.user_id)).toEqual([bob.user.id]);
  });
});

describe("Topics API: writing", () => {
  it("posts a message as the user: it opens a topic for a user never seen, and goes into the existing one after", async () => {
    const { w, call, running } = await deploy();
    const user = w.emulator.createUser({ firstName: "Formy" });
    // The API draws its update ids from the bot's one generator (shared with the proxy and MTProto).
    const before = running.bots[0].nextUpdateId();
    const posted = await call("POST", `/api/bots/acme/users/${user.id}/incoming`, { text: "Order #42: please call me", user: { first_name: "Formy", last_name: "McForm" } });
    expect(posted.status).toBe(202);
    expect(posted.json).toMatchObject({ status: "queued", bot: "acme", chat_id: user.id });
    const after = running.bots[0].nextUpdateId();
    for (const id of posted.json.update_ids as number[]) expect(id < before && id > after).toBe(true);
    const topic = await waitFor(() => topicNamed(w, "Formy McForm"), "a topic for the posted message");
    const copy = await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text === "Order #42: please call me"), "the text in the topic");
    // The user's own next message goes to the same topic; a second post too, under the stored name.
    w.emulator.userSends(w.bot.token, user.id, { text: "me again" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "me again"), "the user's message");
    // An operator's reply to the posted text (which is in no chat of the user's) reaches the user.
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "We will call you", replyToMessageId: copy.message_id });
    await waitFor(() => botMessagesTo(w, user.id).some((m) => m.text === "We will call you"), "the reply at the user");
    expect((await call("POST", `/api/bots/acme/topics/${topic.threadId}/incoming`, { text: "from the web chat" })).status).toBe(202);
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "from the web chat"), "the second post");
    const info = (await call("GET", `/api/bots/acme/users/${user.id}`)).json;
    // The user's own message brought their Telegram profile (no last name); the second post kept it.
    expect(info).toMatchObject({ thread_id: topic.threadId, user_first_name: "Formy", user_last_name: null, topic_status: "user_answered" });
    expect(w.emulator.topics(w.groupId).filter((t) => !t.deleted)).toHaveLength(1);
  });

  it("sends a message to the user as an operator: it reaches the user, shows in the topic, and the dialog turns 🟨", async () => {
    const { w, call, port } = await deploy();
    const { user, topic } = await firstContact(w, "Ann", "hello");
    // An operator's message to the user counts as relayed to_users, as a reply in the topic does.
    const toUsers = async () => Number(/^switchboard_messages_relayed_total\{[^}]*bot="acme"[^}]*direction="to_users"[^}]*\} (\S+)$/m.exec(await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: auth })).text())?.[1] ?? NaN);
    const before = await toUsers();
    expect(before).toBeGreaterThanOrEqual(0);
    const sent = await call("POST", `/api/bots/acme/users/${user.id}/messages`, { text: "Your order shipped" });
    expect(sent.status).toBe(202);
    await waitFor(() => botMessagesTo(w, user.id).some((m) => m.text === "Your order shipped"), "the message at the user");
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "Your order shipped" && m.from?.is_bot), "the message in the topic");
    await waitFor(async () => (await dialogStatus(call, user.id)) === "support_answered", "🟨");
    await waitFor(async () => (await toUsers()) === before + 1, "the to_users counter");
  });

  it("closes, reopens and labels a dialog through the operators' commands", async () => {
    const { w, call } = await deploy();
    const { user, topic } = await firstContact(w, "Ann", "hello");
    expect((await call("POST", `/api/bots/acme/users/${user.id}/close`)).status).toBe(202);
    await waitFor(async () => (await dialogStatus(call, user.id)) === "closed", "closed");
    await waitFor(() => w.emulator.topics(w.groupId).find((t) => t.threadId === topic.threadId)?.closed, "the topic closed in Telegram");
    const again = await call("POST", `/api/bots/acme/users/${user.id}/close`, {});
    expect(again.status).toBe(409);
    expect(again.json.error).toContain("closed");

    expect((await call("POST", `/api/bots/acme/topics/${topic.threadId}/reopen`)).status).toBe(202);
    await waitFor(async () => (await dialogStatus(call, user.id)) === "user_answered", "reopened");
    await waitFor(() => w.emulator.topics(w.groupId).find((t) => t.threadId === topic.threadId)?.closed === false, "the topic reopened in Telegram");
    expect((await call("POST", `/api/bots/acme/users/${user.id}/reopen`)).status).toBe(409);
    // Bot ids are plain words: anything else is no bot.
    expect((await call("GET", `/api/bots/%E0%A4%A/users/${user.id}`)).status).toBe(404);

    expect((await call("POST", `/api/bots/acme/users/${user.id}/labels`, { add: ["vip", "lead"] })).status).toBe(202);
    await waitFor(async () => (await call("GET", `/api/bots/acme/users/${user.id}`)).json.labels.length === 2, "two labels");
    expect((await call("GET", `/api/bots/acme/users/${user.id}`)).json.labels).toEqual(["vip", "lead"]);
    // The labels plugin answered in the topic as it does for /mark.
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text?.includes("Set label vip")), "the plugin's answer");
    expect((await call("POST", `/api/bots/acme/users/${user.id}/labels`, { remove: ["lead"] })).status).toBe(202);
    await waitFor(async () => (await call("GET", `/api/bots/acme/users/${user.id}`)).json.labels.join() === "vip", "lead removed");
  });

  it("is reported by the webhooks plugin as the users' and operators' own actions are", async () => {
    const hooks = await startReceiver();
    try {
      const events = ["dialog_created", "message_received", "message_sent", "/close", "dialog_closed"];
      const { w, call } = await deploy({ params: `webhooks: { "${hooks.url}": [${events.join(", ")}] }` });
      const user = w.emulator.createUser({ firstName: "Hook" });
      w.emulator.userSends(w.bot.token, user.id, { text: "/start" });
      await waitFor(() => hooks.events().includes("message_received"), "the user's own message");
      expect((await call("POST", `/api/bots/acme/users/${user.id}/incoming`, { text: "from a form" })).status).toBe(202);
      await waitFor(() => hooks.events().filter((e) => e === "message_received").length === 2, "the posted message received");
      expect((await call("POST", `/api/bots/acme/users/${user.id}/messages`, { text: "from the CRM" })).status).toBe(202);
      await waitFor(() => hooks.events().includes("message_sent"), "message_sent");
      expect((await call("POST", `/api/bots/acme/users/${user.id}/close`)).status).toBe(202);
      await waitFor(() => hooks.events().includes("dialog_closed"), "dialog_closed");
      expect(hooks.events()).toEqual(["dialog_created", "message_received", "message_received", "message_sent", "/close", "dialog_closed"]);
      const bodies = hooks.delivered().map((h) => h.body);
      expect(bodies[2].message?.text).toBe("from a form");
      expect(bodies[3].message?.text).toBe("from the CRM");
      expect(bodies[3].operator?.first_name).toBe("Topics API");
    } finally {
      await hooks.close();
    }
  });

  it("replays an Idempotency-Key's first answer without acting again; another body under the key is refused", async () => {
    const { w, call } = await deploy();
    const { user, topic } = await firstContact(w, "Ann", "hello");
    const headers = { ...auth, "idempotency-key": "send-1" };
    const first = await call("POST", `/api/bots/acme/users/${user.id}/messages`, { text: "Only once" }, headers);
    expect(first.status).toBe(202);
    const second = await call("POST", `/api/bots/acme/users/${user.id}/messages`, { text: "Only once" }, headers);
    expect(second.status).toBe(202);
    expect(second.json).toEqual(first.json);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect((await call("POST", `/api/bots/acme/users/${user.id}/messages`, { text: "Something else" }, headers)).status).toBe(422);
    // A marker sent after: once it arrived, the first would have arrived twice if it were sent twice.
    await call("POST", `/api/bots/acme/users/${user.id}/messages`, { text: "marker" });
    await waitFor(() => botMessagesTo(w, user.id).some((m) => m.text === "marker"), "the marker");
    expect(botMessagesTo(w, user.id).filter((m) => m.text === "Only once")).toHaveLength(1);
    expect(topicMessages(w, topic.threadId).filter((m) => m.text === "Only once")).toHaveLength(1);
  });
});

describe("Topics API: errors", () => {
  it("answers 401 without a valid token, 404 for unknown bots, users and topics, 405 for a wrong method, 400 for bad bodies", async () => {
    const { w, call } = await deploy();
    const { user } = await firstContact(w, "Ann", "hello");
    const base = `/api/bots/acme/users/${user.id}`;
    expect((await call("GET", base, undefined, {})).status).toBe(401);
    expect((await call("GET", base, undefined, { authorization: "Bearer wrong-token-wrong-token-000" })).status).toBe(401);
    expect((await call("POST", `${base}/messages`, { text: "x" }, { "x-api-key": "wrong" })).status).toBe(401);
    expect((await call("GET", base, undefined, { "x-api-key": TOKEN })).status).toBe(200);

    const unknownBot = await call("GET", `/api/bots/nobot/users/${user.id}`);
    expect(unknownBot.status).toBe(404);
    expect(unknownBot.json.error).toContain("nobot");
    expect((await call("GET", "/api/bots/acme/users/123456789")).status).toBe(404);
    expect((await call("GET", "/api/bots/acme/topics/987654")).status).toBe(404);
    expect((await call("POST", "/api/bots/acme/users/123456789/messages", { text: "x" })).status).toBe(404);
    expect((await call("POST", "/api/bots/acme/topics/987654/close")).status).toBe(404);
    expect((await call("GET", "/api/bots/nobot/dialogs")).status).toBe(404);

    const wrongMethod = await call("GET", `${base}/messages`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.json.error).toContain("GET");
    expect((await call("POST", base, { text: "x" })).status).toBe(405);

    const notJson = await call("POST", `${base}/messages`, "{not json");
    expect(notJson.status).toBe(400);
    expect(notJson.json.error).toContain("not JSON");
    const noText = await call("POST", `${base}/messages`, { txt: "typo" });
    expect(noText.status).toBe(400);
    expect(noText.json.error).toMatch(/text|txt/);
    expect((await call("POST", `${base}/messages`, { text: 42 })).status).toBe(400);
    expect((await call("POST", `${base}/messages`, { text: "" })).status).toBe(400);
    expect((await call("POST", `${base}/messages`, { text: "x".repeat(4097) })).status).toBe(400);
    expect((await call("POST", `${base}/labels`, { add: ["9bad name"] })).status).toBe(400);
    expect((await call("POST", `${base}/labels`, {})).status).toBe(400);
    expect((await call("POST", `${base}/close`, { now: true })).status).toBe(400);
    expect((await call("POST", "/api/bots/acme/users/-100123/incoming", { text: "x" })).status).toBe(400);
    expect((await call("GET", "/api/bots/acme/dialogs?status=sleepy")).status).toBe(400);
    // A banned user: nothing is posted or sent (409), as an operator's message would not be.
    const { topic } = await waitFor(async () => ({ topic: (await call("GET", base)).json }), "the dialog");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.thread_id, text: "/ban" });
    await waitFor(async () => (await dialogStatus(call, user.id)) === "banned", "banned");
    expect((await call("POST", `${base}/incoming`, { text: "x" })).status).toBe(409);
    const toBanned = await call("POST", `${base}/messages`, { text: "x" });
    expect(toBanned.status).toBe(409);
    expect(toBanned.json.error).toContain("banned");
    // Nothing of that reached the user.
    expect(botMessagesTo(w, user.id).filter((m) => m.text === "x" || m.text === "typo")).toHaveLength(0);
  });
});
