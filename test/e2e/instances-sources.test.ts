/**
 * Several instances on one PostgreSQL (issue 15): traffic from outside may reach any instance.
 * Two instances run in-process from their own configs (as a load balancer would see them: the
 * same bot, each instance listening on its own ports); the bot is owned by i1, and Telegram's
 * webhook, a real grammY bot as the parallel system and a Topics API client all talk to i2 only.
 * i2 stores and answers; i1, the owner, relays. The emulator's call log (`/c/NAME` api_roots)
 * shows which instance called Telegram for what.
 */
import { Bot } from "grammy";
import { afterEach, expect, it } from "vitest";
import { type Running, runConfig } from "../../src/run.ts";
import { createLogger } from "../../src/util/log.ts";
import { oneBotOnPostgres } from "../support/one-bot-on-postgres.ts";
import { startReceiver } from "../support/webhook-receiver.ts";
import { freePort, waitFor } from "../support/world.ts";

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!().catch(() => undefined);
});

const ADMIN_TOKEN = "admin-token-for-the-instances-test-0001";

it("a bot owned by one instance takes webhook updates, a parallel system's proxy calls and its getUpdates, and Topics API calls on another; the owner relays", async () => {
  const { emulator, bot, groupId, configFor } = await oneBotOnPostgres(cleanup);
  const ports = { i1: { hook: await freePort(), proxy: await freePort(), admin: await freePort() }, i2: { hook: await freePort(), proxy: await freePort(), admin: await freePort() } };
  // The balancer sends everything to i2: Telegram posts to i2's receiver.
  const configOf = (name: "i1" | "i2", mine = ports[name]) =>
    configFor(name, {
      top: `admin: { listen: "127.0.0.1:${mine.admin}", token: ${ADMIN_TOKEN} }\n`,
      bot: `    updates: webhook
    webhook: { url: "http://127.0.0.1:${ports.i2.hook}/hook", listen: "127.0.0.1:${mine.hook}", secret: "s3cret-token" }
    parallel: { mode: proxy, listen: "127.0.0.1:${mine.proxy}" }
`,
    });
  const start = async (name: "i1" | "i2"): Promise<Running> => {
    const running = await runConfig(configOf(name), { log: createLogger(name, "debug"), albumSettleMs: 150, // No slow re-check during the test: the owner must be woken by the notices.
    cluster: { instanceId: name, inboxRecheckMs: 600_000 } });
    cleanup.push(() => running.stop());
    return running;
  };
  // Alone, i1 takes the bot; i2 joins with nothing left to take (one bot: a share of one each).
  const i1 = await start("i1");
  await waitFor(() => i1.cluster?.owned.includes("acme"), "i1 owning the bot");
  const i2 = await start("i2");
  expect(i2.cluster?.owned).toEqual([]);
  expect(i2.fronts.get("acme")?.proxy?.port).toBe(ports.i2.proxy);

  // The parallel system, pointed at i2's proxy.
  const seen: number[] = [];
  const other = new Bot(bot.token, { client: { apiRoot: `http://127.0.0.1:${ports.i2.proxy}` } });
  other.use((ctx, next) => (seen.push(ctx.update.update_id), next()));
  other.on("message:text", (ctx) => ctx.reply(`Bot: I got "${ctx.message.text}"`));
  other.catch(() => undefined);
  cleanup.push(() => other.stop());
  // Long polls of 50 s: the updates below arrive well within one, so they must wake it.
  void other.start({ timeout: 50 });

  const ann = emulator.createUser({ firstName: "Ann" });
  const topicMessages = (threadId: number) => emulator.messages(groupId, { threadId }).map((m) => m.text);
  const toAnn = () => emulator.messages(ann.id).filter((m) => m.from?.is_bot).map((m) => m.text);
  emulator.userSends(bot.token, ann.id, { text: "hello from Ann" });
  // Stored by i2's receiver, relayed by i1.
  const topic = await waitFor(() => emulator.topics(groupId).find((t) => !t.deleted && t.name.includes("Ann")), "Ann's topic", 30_000);
  await waitFor(() => topicMessages(topic.threadId).includes("hello from Ann"), "Ann's message in her topic", 30_000);
  // The parallel system polled i2 for it, answered through i2's proxy; the answer, intercepted, shows in the topic.
  await waitFor(() => toAnn().includes('Bot: I got "hello from Ann"'), "the parallel system's answer to Ann", 30_000);
  await waitFor(() => topicMessages(topic.threadId).includes('🤖 Bot: I got "hello from Ann"'), "the intercepted answer in the topic", 30_000);
  // A second round trip: its long poll on i2 (not the owner) woke for a new update.
  emulator.userSends(bot.token, ann.id, { text: "second message" });
  await waitFor(() => topicMessages(topic.threadId).includes('🤖 Bot: I got "second message"'), "the second intercepted answer", 30_000);

  // The Topics API on i2: an operator's text to Ann, sent by the owner.
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`http://127.0.0.1:${ports.i2.admin}${path}`, {
      method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json", "idempotency-key": "k1" }, ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const posted = await api("POST", `/api/bots/acme/users/${ann.id}/messages`, { text: "Hello Ann, Olga from the API" });
  expect(posted.status, await posted.clone().text()).toBe(202);
  await waitFor(() => toAnn().includes("Hello Ann, Olga from the API"), "the API's message to Ann", 30_000);
  const replayed = await api("POST", `/api/bots/acme/users/${ann.id}/messages`, { text: "Hello Ann, Olga from the API" });
  expect(replayed.headers.get("idempotent-replayed")).toBe("true");
  const dialog = await (await api("GET", `/api/bots/acme/users/${ann.id}`)).json() as { instance_name: string; thread_id: number };
  expect(dialog).toMatchObject({ instance_name: "acme_support_bot", thread_id: topic.threadId });

  // Nothing was lost or doubled for the parallel system, and nothing happened twice.
  const userUpdates = emulator.updatesFor(bot.token).filter((u) => u.message?.chat.type === "private").map((u) => u.update_id);
  expect(userUpdates.filter((id) => !seen.includes(id))).toEqual([]);
  expect(new Set(seen).size).toBe(seen.length);
  expect(toAnn().filter((t) => t === "Hello Ann, Olga from the API")).toHaveLength(1);
  expect(topicMessages(topic.threadId).filter((t) => t === "hello from Ann")).toHaveLength(1);

  // Who called Telegram: the owner made the bot's own calls; i2 only forwarded the parallel system's.
  const log = emulator.callLog();
  const methodsOf = (caller: string) => new Set(log.filter((c) => c.caller === caller).map((c) => c.method));
  expect([...methodsOf("i2")].sort()).toEqual(["getMe", "sendMessage"]);
  expect(log.filter((c) => c.caller === "i2" && c.method === "sendMessage")).toHaveLength(2);
  for (const method of ["setWebhook", "copyMessage", "createForumTopic"]) expect(methodsOf("i1").has(method), method).toBe(true);
  expect(methodsOf("i1").has("getUpdates")).toBe(false);

  // The parallel system switches to a webhook, set through i2's proxy: the owner, i1, posts to it
  // (i2's proxy does not push), and i1's proxy reports the setting too.
  await other.stop();
  const receiver = await startReceiver();
  cleanup.push(receiver.close);
  const callProxy = async (name: "i1" | "i2", method: string, params: unknown) =>
    (await fetch(`http://127.0.0.1:${ports[name].proxy}/bot${bot.token}/${method}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(params) })).json() as Promise<{ ok: boolean; result: { url?: string } }>;
  expect((await callProxy("i2", "setWebhook", { url: receiver.url })).ok).toBe(true);
  expect((await callProxy("i1", "getWebhookInfo", {})).result.url).toBe(receiver.url);
  emulator.userSends(bot.token, ann.id, { text: "to the other system's webhook" });
  await waitFor(() => receiver.hits.some((h) => h.raw.includes("to the other system's webhook")), "the update pushed to the parallel system's webhook", 30_000);
  await waitFor(() => topicMessages(topic.threadId).includes("to the other system's webhook"), "the same update relayed", 30_000);

  // i1 stops: i2 takes the bot over on the ports it already listens on, and relays from then on.
  await i1.stop();
  await waitFor(() => i2.cluster?.owned.includes("acme"), "i2 owning the bot", 30_000);
  emulator.userSends(bot.token, ann.id, { text: "after the handover" });
  await waitFor(() => topicMessages(topic.threadId).includes("after the handover"), "relayed by i2 after the handover", 30_000);
  await waitFor(() => receiver.hits.some((h) => h.raw.includes("after the handover")), "pushed by i2 after the handover", 30_000);
  expect(emulator.callLog().some((c) => c.caller === "i2" && c.method === "copyMessage")).toBe(true);

  // A third instance configured onto i2's ports cannot open the bot's doors: its start fails, saying
  // where and why (the system's reason, which @effect/platform keeps in the error's cause).
  const refused = await runConfig(configOf("i2", { ...ports.i2, admin: await freePort() }), { log: createLogger("i3", "error"), cluster: { instanceId: "i3" } })
    .then(() => "started", (e: Error) => e.message);
  expect(refused).toContain(`bot "acme": cannot listen on 127.0.0.1:${ports.i2.hook} for the webhook: `);
  expect(refused).toMatch(/for the webhook: .*(EADDRINUSE|in use)/i);
}, 120_000);
