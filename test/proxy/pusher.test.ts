/**
 * The proxy's webhook pusher on a real SQLite file, posting over real HTTP to receivers the test
 * controls, with time on the TestClock: a silent receiver is given up on after the timeout and
 * retried after a backoff; a refused update holds back only its own chat; an update is given up
 * after the retry window or the attempts, counted, and the chat goes on; `Retry-After` is
 * honoured; a method in the answer runs before the chat's next update; another webhook takes over
 * at once. With several instances, the owner's pusher finds a webhook set and updates queued
 * through another instance's proxy on the slow re-check of the Clock, should the notice be lost.
 */
import type * as HttpClient from "@effect/platform/HttpClient";
import type { Update } from "@grammyjs/types";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import { Chunk, Clock, Effect, Exit, Scope, TestClock, TestContext } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import { noNotifier } from "../../src/cluster/notify.ts";
import { onNoticeAndRecheck } from "../../src/cluster/wake.ts";
import { nodeHttpClientLayer } from "../../src/platform/http-client.ts";
import { saveProxyWebhook } from "../../src/store/proxy-settings.ts";
import type { Db } from "../../src/store/open.ts";
import { openStore } from "../../src/store/open.ts";
import { mirrorUpdates, proxyLaneHead, proxyUpdatesFrom } from "../../src/store/proxy-updates.ts";
import { makeWebhookPusher, newPushStats, type PushPolicy, type WebhookPusher } from "../../src/telegram/proxy/pusher.ts";
import type { WebhookReply } from "../../src/telegram/proxy/webhook-reply.ts";
import { captureLog, settle } from "../support/scripted-telegram.ts";
import { adjustWhenSleeping } from "../support/test-clock.ts";
import { tempDir } from "../support/world.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** How a receiver answers one post. */
type Answer = number | "hang" | { status: number; body?: string; headers?: Record<string, string | undefined> };

/** A webhook receiver: `answer` decides each post's reply (200 by default). */
async function receiver(answer: (update: Update) => Answer = () => 200, events: string[] = []) {
  const seen: Array<{ secret: string | undefined; update: Update }> = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const update = JSON.parse(body) as Update;
      seen.push({ secret: req.headers["x-telegram-bot-api-secret-token"] as string | undefined, update });
      events.push(`post ${update.message?.text}`);
      const a = answer(update);
      if (a === "hang") return void hanging.push(res);
      const { status, body: reply, headers } = typeof a === "number" ? { status: a, body: undefined, headers: undefined } : a;
      res.writeHead(status, Object.fromEntries(Object.entries(headers ?? {}).filter(([, v]) => v !== undefined)) as Record<string, string>);
      res.end(reply ?? "ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise((r) => {
    for (const res of hanging) res.destroy();
    server.close(r);
    server.closeAllConnections();
  }));
  const texts = () => seen.map((s) => s.update.message?.text);
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, seen, texts };
}

/** Real time passes (I/O happens) until `done`; the TestClock does not move. */
const until = (done: () => boolean | Promise<boolean>, what: string) =>
  Effect.gen(function* () {
    for (let i = 0; i < 500; i++) {
      if (yield* Effect.promise(async () => await done())) return;
      yield* settle;
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 10)));
    }
    return yield* Effect.die(new Error(`timed out waiting for ${what}`));
  });

const update = (id: number, chat = 7) =>
  ({ update_id: id, message: { message_id: id, date: 0, chat: { id: chat, type: "private", first_name: "A" }, text: `m${id}` } }) as Update;

/** A pusher on a fresh store, in a scope closed after the test; `dispatched` collects webhook replies. */
async function setup(policy?: PushPolicy) {
  const db = await openStore(`sqlite:${join(tempDir(), "pusher.db")}`);
  cleanups.push(() => db.destroy());
  const { log, lines } = captureLog();
  const scope = Effect.runSync(Scope.make());
  cleanups.push(() => Effect.runPromise(Scope.close(scope, Exit.void)));
  const stats = newPushStats();
  const dispatched: WebhookReply[] = [];
  const events: string[] = [];
  const make = makeWebhookPusher({
    db, botId: "b", log, stats, ...(policy ? { policy } : {}),
    dispatch: (reply) => Effect.sync(() => void (dispatched.push(reply), events.push(`reply ${reply.method}`))),
  }).pipe(Scope.extend(scope));
  return { db, lines, stats, dispatched, events, make };
}

/** Waits (real time) until something sleeps on the TestClock. */
const sleeping = Effect.gen(function* () {
  for (let i = 0; i < 500 && Chunk.isEmpty(yield* TestClock.sleeps()); i++) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 10)));
});

/**
 * Moves the TestClock exactly to the time `lane`'s head is due again (not past it: the timeout of
 * the post that follows must not fire); returns the step.
 */
const toNextTry = (db: Db, lane: string) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis;
    let due = 0;
    // The refusal is counted before it is written down: wait for the row to say when.
    yield* until(async () => (due = (await proxyLaneHead(db, "b", lane))?.nextAt ?? 0) > now, `${lane}'s next try`);
    yield* TestClock.adjust(due - now);
    return due - now;
  });

/**
 * Queues updates (queued at the TestClock's now) and wakes their lanes the way the inbox's
 * listener does: from outside the pusher's runtime, so lanes must not take the caller's Clock.
 */
const queue = (db: Db, pusher: WebhookPusher, ...updates: Update[]) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis;
    yield* Effect.promise(() => mirrorUpdates(db, "b", updates, now));
    Effect.runSync(pusher.queued(updates));
  });

const queued = (db: Db) => Effect.promise(() => proxyUpdatesFrom(db, "b", 0, 100)).pipe(Effect.map((us) => us.map((u) => u.update_id)));

const run = <A>(effect: Effect.Effect<A, unknown, HttpClient.HttpClient>) => Effect.runPromise(effect.pipe(Effect.provide(nodeHttpClientLayer), Effect.provide(TestContext.TestContext)) as Effect.Effect<A>);

describe("proxy webhook pusher", () => {
  it("times a silent receiver out, backs off on the Clock, is woken by new updates, follows a new webhook", async () => {
    const s = await setup({ timeout: "10 seconds" });
    let hang = true;
    const first = await receiver(() => (hang ? "hang" : 200));
    const second = await receiver();
    await run(Effect.gen(function* () {
      const pusher = yield* s.make;
      yield* pusher.set({ url: first.url, secret: "s1", maxConnections: 40 }, true);
      yield* queue(s.db, pusher, update(1));
      yield* until(() => first.seen.length === 1, "the first post");

      // No answer: after the timeout (test time) the post counts as refused and is retried later.
      yield* adjustWhenSleeping(10_000);
      yield* until(() => s.lines.some((l) => l.startsWith("the parallel system's webhook did not accept an update; retrying")), "the retry log line");
      expect((yield* pusher.lastError)?.message).toBe("Read timeout expired");
      expect(first.seen).toHaveLength(1);
      hang = false;
      // The first backoff is 0.25–0.75 s: move the clock once its sleep is registered.
      yield* adjustWhenSleeping(1_000);
      yield* until(() => first.seen.length === 2, "the retried post");
      expect(first.seen.map((x) => [x.secret, x.update.update_id])).toEqual([["s1", 1], ["s1", 1]]);
      yield* until(() => Effect.runPromise(queued(s.db)).then((ids) => ids.length === 0), "the update confirmed");

      // Idle now: new updates are pushed when their lane is woken, with no clock moving.
      yield* queue(s.db, pusher, update(2));
      yield* until(() => first.seen.length === 3, "the next post");
      yield* until(() => Effect.runPromise(queued(s.db)).then((ids) => ids.length === 0), "the update confirmed");

      // Another webhook: pushing moves there at once.
      yield* pusher.set({ url: second.url, maxConnections: 40 }, true);
      yield* queue(s.db, pusher, update(3));
      yield* until(() => second.seen.length === 1, "the post to the new webhook");
      expect(second.seen[0]).toEqual({ secret: undefined, update: update(3) });
      expect(first.seen).toHaveLength(3);
      yield* until(() => s.stats.webhookDelivered === 3, "the third update counted");
      expect(s.stats).toMatchObject({ webhookDelivered: 3, webhookRefused: 1, webhookGivenUp: 0 });
    }));
  });

  it("finds a webhook set and updates queued through another instance on the slow re-check, with no notice", async () => {
    const s = await setup();
    const hook = await receiver();
    await run(Effect.gen(function* () {
      const pusher = yield* s.make;
      const scope = yield* Scope.make();
      // The owner's wiring (pipeline/sources.ts), with every notice lost.
      yield* Scope.extend(onNoticeAndRecheck(noNotifier, "proxy", "b", pusher.reload, "30 seconds"), scope);
      // Another instance's proxy stored the webhook and queued an update; no notice came.
      yield* Effect.promise(() => saveProxyWebhook(s.db, "b", { url: hook.url, maxConnections: 40 }));
      yield* Effect.promise(() => mirrorUpdates(s.db, "b", [update(1)], 0));
      yield* TestClock.adjust("29 seconds");
      yield* settle;
      expect(yield* pusher.webhook).toBeUndefined();
      yield* TestClock.adjust("1 second");
      yield* until(() => hook.seen.length === 1, "the post after the re-check");
      // The same webhook: the next re-check reads the queue again.
      yield* Effect.promise(() => mirrorUpdates(s.db, "b", [update(2)], 30_000));
      yield* TestClock.adjust("30 seconds");
      yield* until(() => hook.seen.length === 2, "the next update after the next re-check");
      expect(hook.texts()).toEqual(["m1", "m2"]);
      yield* Scope.close(scope, Exit.void);
    }));
  });

  it("holds back only the refusing chat, reports the refusal, gives the update up after the retry window and goes on", async () => {
    const s = await setup({ retryHours: 0.02 });
    // Chat 7's first update is refused until the test says otherwise; everything else is taken.
    const hook = await receiver((u) => (u.update_id === 1 ? 500 : 200));
    await run(Effect.gen(function* () {
      const pusher = yield* s.make;
      yield* pusher.set({ url: hook.url, maxConnections: 40 }, true);
      yield* queue(s.db, pusher, update(1, 7), update(2, 7), update(3, 8), update(4, 8));
      // Chat 8 does not wait for chat 7.
      yield* until(() => hook.texts().includes("m4"), "chat 8's updates");
      expect(hook.texts().filter((t) => t !== "m1")).toEqual(["m3", "m4"]);
      const error = yield* pusher.lastError;
      expect(error?.message).toBe("Wrong response from the webhook: 500 Internal Server Error");
      expect(error?.date).toBe(Math.floor((yield* Clock.currentTimeMillis) / 1000));
      yield* until(() => Effect.runPromise(queued(s.db)).then((ids) => ids.join() === "1,2"), "chat 8's updates confirmed");

      // Retried with a growing backoff until the next try would fall after the retry window, then given up.
      const waits: number[] = [];
      while (s.stats.webhookGivenUp === 0) {
        const refusals = s.stats.webhookRefused;
        waits.push(yield* toNextTry(s.db, "7"));
        yield* until(() => s.stats.webhookRefused > refusals, "the next refusal");
        expect(waits.length).toBeLessThan(20);
      }
      expect(waits.every((w, i) => i === 0 || w >= waits[i - 1]! * 0.3)).toBe(true);
      expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(0.02 * 3_600_000);
      yield* until(() => hook.texts().includes("m2"), "chat 7 going on after the given-up update");
      expect(s.stats.webhookGivenUp).toBe(1);
      expect(s.lines.some((l) => l.includes("gave up on an update the parallel system's webhook refused") && l.includes('"update_id":1,'))).toBe(true);
      expect(hook.texts().indexOf("m2")).toBeGreaterThan(hook.texts().lastIndexOf("m1"));
      yield* until(() => Effect.runPromise(queued(s.db)).then((ids) => ids.length === 0), "the queue empty");
    }));
  });

  it("gives up after max attempts, honours Retry-After, and runs a method in the answer before the chat's next update", async () => {
    const s = await setup({ maxAttempts: 3 });
    const hook = await receiver((u) => {
      if (u.update_id === 1) return { status: 429, headers: { "retry-after": "120" } };
      if (u.update_id === 2) return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ method: "sendMessage", chat_id: 7, text: "reply to m2" }) };
      return 200;
    }, s.events);
    await run(Effect.gen(function* () {
      const pusher = yield* s.make;
      yield* pusher.set({ url: hook.url, maxConnections: 1 }, true);
      yield* queue(s.db, pusher, update(1, 7), update(2, 7), update(3, 7));
      yield* until(() => hook.seen.length === 1, "the first post");
      // Retry-After: 120 — not before two minutes have passed.
      yield* sleeping;
      yield* TestClock.adjust(119_000);
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 100)));
      expect(hook.seen).toHaveLength(1);
      yield* TestClock.adjust(1_000);
      yield* until(() => hook.seen.length === 2, "the second post");
      yield* adjustWhenSleeping(120_000);
      // The third refusal is the last: given up, and the chat goes on.
      yield* until(() => hook.texts().includes("m3"), "the chat going on");
      expect(s.events).toEqual(["post m1", "post m1", "post m1", "post m2", "reply sendMessage", "post m3"]);
      yield* until(() => s.stats.webhookDelivered === 2, "the last update counted");
      expect(s.stats).toMatchObject({ webhookRefused: 3, webhookGivenUp: 1, webhookDelivered: 2, webhookReplies: 1 });
      expect((yield* pusher.lastError)?.message).toBe("Wrong response from the webhook: 429 Too Many Requests");
      expect(s.dispatched.map((r) => [r.method, r.params])).toEqual([["sendMessage", { chat_id: 7, text: "reply to m2" }]]);
      expect(JSON.parse(new TextDecoder().decode(s.dispatched[0]!.body))).toEqual({ chat_id: 7, text: "reply to m2" });
    }));
  });
});
