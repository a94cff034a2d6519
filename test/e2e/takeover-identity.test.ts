/**
 * Several instances on one PostgreSQL (issue 15): a bot taken over from another instance starts
 * with the identity the last owner stored, without a getMe of its own in the burst of starts
 * (pipeline/stored-identity.ts), and asks Telegram later (30 s on the pipeline's Clock); nor does
 * it delete a webhook before its first poll, unless that poll finds one (telegram/polling.ts
 * `noWebhookExpected`). The emulator's call log (`/c/NAME` api_roots) shows which instance called what.
 */
import * as TestClock from "effect/TestClock";
import { afterEach, expect, it } from "vitest";
import { type Running, runConfig } from "../../src/run.ts";
import { createLogger } from "../../src/util/log.ts";
import { oneBotOnPostgres } from "../support/one-bot-on-postgres.ts";
import { waitFor } from "../support/world.ts";

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!().catch(() => undefined);
});

/** One bot on PostgreSQL; i1 takes it at start-up, i2 (on a TestClock if asked) joins, `meanwhile` runs, i1 stops and i2 takes the bot over. */
async function takeOver(testClock: boolean, meanwhile: (token: string, apiRoot: string) => Promise<void> = async () => {}) {
  const { emulator, bot, groupId, configFor } = await oneBotOnPostgres(cleanup);
  const start = async (name: string, testClock: boolean): Promise<Running> => {
    const running = await runConfig(configFor(name), { log: createLogger(name, "error"), testClock, cluster: { instanceId: name, joinMs: 0 } });
    cleanup.push(() => running.stop());
    return running;
  };
  const calls = (caller: string, method: string) => emulator.callLog().filter((c) => c.caller === caller && c.method === method).length;

  // Alone, i1 takes the bot at start-up: it asks Telegram who the bot is.
  const i1 = await start("i1", false);
  await waitFor(() => i1.cluster?.owned.includes("acme"), "i1 owning the bot");
  expect(calls("i1", "getMe")).toBe(1);
  // i2 joins with nothing left to take (one bot), then i1 stops and hands it over.
  const i2 = await start("i2", testClock);
  expect(i2.cluster?.owned).toEqual([]);
  await meanwhile(bot.token, emulator.url);
  await i1.stop();
  await waitFor(() => i2.bots.some((b) => b.id === "acme"), "i2 running the bot", 30_000);
  expect(i2.bots.find((b) => b.id === "acme")!.me).toMatchObject({ id: bot.id, username: "acme_support_bot" });

  // It relays.
  const ann = emulator.createUser({ firstName: "Ann" });
  emulator.userSends(bot.token, ann.id, { text: "hello after the takeover" });
  await waitFor(() => emulator.topics(groupId).find((t) => !t.deleted && t.name.includes("Ann")), "Ann's topic", 30_000);
  return { i2, calls };
}

it("a bot taken over starts with the last owner's stored identity and no deleteWebhook, relays, and asks getMe only later", async () => {
  const { i2, calls } = await takeOver(true);
  expect(calls("i2", "getUpdates")).toBeGreaterThan(0);
  expect(calls("i2", "getMe")).toBe(0);
  expect(calls("i2", "deleteWebhook")).toBe(0);

  // Once the burst of starts is over, Telegram is asked all the same.
  await i2.run(TestClock.adjust("31 seconds"));
  await waitFor(() => calls("i2", "getMe") === 1, "i2's getMe after the takeover", 15_000);
});

it("a webhook set meanwhile is found by the new owner's first getUpdates and deleted, and the bot relays", async () => {
  // Real time: the 409 is retried after a backoff on the Clock.
  const { calls } = await takeOver(false, async (token, apiRoot) => {
    const answer = await fetch(`${apiRoot}/bot${token}/setWebhook`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url: "http://127.0.0.1:9/hook" }) });
    expect(((await answer.json()) as { ok: boolean }).ok).toBe(true);
  });
  expect(calls("i2", "deleteWebhook")).toBe(1);
});
