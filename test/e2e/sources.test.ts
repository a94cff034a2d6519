/** Update sources: webhook (secret, answer after commit) and polling (409 reported, multi-bot). */
import { afterEach, describe, expect, it } from "vitest";
import { logLines, closeAll, createWorld, freePort, startSwitchboard, topicMessages, topicNamed, waitFor } from "../support/world.ts";
import { parseConfig } from "../../src/config/mod.ts";

afterEach(closeAll);

describe("webhook", () => {
  it("receives updates pushed by Telegram with the secret, and refuses requests without it", async () => {
    const w = (await createWorld());
    const port = await freePort();
    let running = await startSwitchboard(w, {
      extra: `    updates: webhook
    webhook: { url: "http://127.0.0.1:${port}/hook", listen: "127.0.0.1:${port}", secret: "s3cret-token" }`,
    });
    expect(logLines.some((l) => /receiving updates by webhook/.test(l))).toBe(true);
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "via webhook" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text === "via webhook"), "copy");

    const forged = { update_id: 999999, message: { message_id: 1, date: 0, chat: { id: ann.id, type: "private" }, from: ann, text: "forged" } };
    const noSecret = await fetch(`http://127.0.0.1:${port}/hook`, { method: "POST", body: JSON.stringify(forged), headers: { "content-type": "application/json" } });
    expect(noSecret.status).toBe(401);
    const wrong = await fetch(`http://127.0.0.1:${port}/hook`, { method: "POST", body: JSON.stringify(forged), headers: { "x-telegram-bot-api-secret-token": "nope" } });
    expect(wrong.status).toBe(401);
    const garbage = await fetch(`http://127.0.0.1:${port}/hook`, { method: "POST", body: "{not json", headers: { "x-telegram-bot-api-secret-token": "s3cret-token" } });
    expect(garbage.status).toBe(400);

    // Switching back to polling deletes the webhook and keeps working.
    await running.stop();
    running = await startSwitchboard(w);
    w.emulator.userSends(w.bot.token, ann.id, { text: "via polling again" });
    await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text === "via polling again"), "copy after switch");
    expect(topicMessages(w, topic.threadId).some((m) => m.text === "forged")).toBe(false);
  });
});

describe("polling", () => {
  it("reports a 409 conflict clearly and keeps retrying", async () => {
    const w = (await createWorld());
    let running = await startSwitchboard(w);
    // A second poller for the same token: each new long poll terminates the waiting one with 409.
    for (let i = 0; i < 20 && !logLines.some((l) => /409 Conflict/.test(l)); i++) {
      await (await fetch(`${w.emulator.url}/bot${w.bot.token}/getUpdates?timeout=1`)).json();
    }
    await waitFor(() => logLines.some((l) => /409 Conflict: another process is polling this bot/.test(l)), "409 logged", 20_000);
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "still relayed" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic", 30_000);
    await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text === "still relayed"), "copy", 30_000);
  });

  it("runs several bots from one file, each in its own group", async () => {
    const w = (await createWorld());
    const bot2 = w.emulator.createBot({ username: "beta_bot" });
    const group2 = w.emulator.createForumGroup({ title: "Beta ops", bots: [bot2.token], operators: [w.operator.id] });
    const yaml = `${w.yaml()}
  - id: beta
    token: ${bot2.token}
    api_root: ${w.emulator.url}
    group: ${group2}
`;
    await startSwitchboard(w, { config: parseConfig(yaml, { ACME_TOKEN: w.bot.token }) });
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "to acme" });
    w.emulator.userSends(bot2.token, ann.id, { text: "to beta" });
    await waitFor(() => w.emulator.topics(w.groupId).length === 1 && w.emulator.topics(group2).length === 1, "a topic in each group");
    await waitFor(() => w.emulator.messages(group2).some((m) => m.text === "to beta"), "beta copy");
    expect(w.emulator.messages(w.groupId).some((m) => m.text === "to beta")).toBe(false);
    expect(w.emulator.messages(group2).some((m) => m.text === "to acme")).toBe(false);
  });
});
