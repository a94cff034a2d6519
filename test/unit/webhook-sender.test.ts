/**
 * The webhooks sender on its own, with Effect's TestClock: the queue is a real SQLite file, the
 * receivers are real HTTP servers on 127.0.0.1, and every wait of the sender — its retry
 * backoff, its request timeout, its idle look — is on the TestClock, so no test waits for them.
 */
import { createHmac } from "node:crypto";
import { join } from "node:path";
import { Clock, Effect, Fiber, TestClock, TestContext } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import { migrations, enqueue, type QueuedEvent } from "../../plugins/webhooks/queue.ts";
import { makeWebhookSender, type WebhookSender } from "../../plugins/webhooks/sender.ts";
import { openStore, type Db } from "../../src/store/open.ts";
import { capturingLogger } from "../support/capture-log.ts";
import { adjustWhenSleeping } from "../support/test-clock.ts";
import { type Answer, startReceiver } from "../support/webhook-receiver.ts";
import { tempDir, waitFor } from "../support/world.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A receiver, closed after the test; `answer(n)` picks the reply to the n-th request (0-based), 200 by default. */
async function receiver(answer?: (n: number) => Answer) {
  const r = await startReceiver(answer ? { answer } : {});
  cleanups.push(r.close);
  return r;
}

/** A queue on a fresh SQLite file, and a logger that keeps its lines. */
async function setup() {
  const db = await openStore(`sqlite:${join(tempDir(), "webhooks.db")}`);
  for (const migration of Object.values(migrations)) await migration.up(db);
  cleanups.push(() => db.destroy());
  return { db, ...capturingLogger() };
}

interface Row {
  id: number;
  url: string;
  event_id: string;
  attempts: number;
  next_at: number;
  created_at: number;
  last_error: string | null;
}
const rows = (db: Db) => db.selectFrom("webhooks_queue" as never).selectAll().orderBy("id" as never).execute() as Promise<Row[]>;

const event = (eventId: string, urls: string[], body = { id: eventId }): QueuedEvent => ({ urls, event: "dialog_created", eventId, body: JSON.stringify(body) });

/** Runs a scenario with the TestClock as the clock of everything it forks (the sender too). */
const withTestClock = <A>(scenario: Effect.Effect<A, unknown>) => Effect.runPromise(scenario.pipe(Effect.provide(TestContext.TestContext)));

/** Waits (in real time) for a condition on the real world: the receiver, the store. */
const until = <T>(probe: () => T | Promise<T>, what: string) => Effect.promise(() => waitFor(probe, what));

const now = Clock.currentTimeMillis;

describe("webhooks sender (TestClock)", () => {
  it("retries a 500 and an unanswered request on the backoff schedule, with the same id and body, before the URL's next event", async () => {
    const { db, log, lines } = await setup();
    const r = await receiver((n) => (n === 0 ? 500 : n === 1 ? "hang" : 200));
    await withTestClock(Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2025-03-01T12:00:00Z"));
      // A 60 s timeout: longer than the test may wait in real time, so only the TestClock can end it.
      const sender: WebhookSender = yield* makeWebhookSender({ db, botId: "b", log, secret: "s3cret", timeoutMs: 60_000, retryForMs: 24 * 3_600_000 });
      const t0 = yield* now;
      yield* Effect.promise(() => enqueue(db, "b", [event("e1", [r.url]), event("e2", [r.url])], t0));
      const running = yield* Effect.fork(sender.run);

      yield* until(async () => (await rows(db)).find((row) => row.event_id === "e1")?.attempts === 1, "the 500 recorded");
      const first = (yield* Effect.promise(() => rows(db)))[0];
      // Retry 1 waits 0.5 s with jitter (× 0.5–1.5), on the Clock.
      const wait1 = first.next_at - (yield* now);
      expect(wait1).toBeGreaterThanOrEqual(250);
      expect(wait1).toBeLessThanOrEqual(750);
      expect(first.last_error).toBe("HTTP 500: not now");
      expect(r.hits).toHaveLength(1);

      yield* adjustWhenSleeping(wait1);
      yield* until(() => r.hits.length === 2, "the second try");
      // Unanswered: only the TestClock ends it.
      yield* adjustWhenSleeping(60_000);
      yield* until(async () => (await rows(db))[0].attempts === 2, "the timeout recorded");
      const second = (yield* Effect.promise(() => rows(db)))[0];
      expect(second.last_error).toBe("no answer within 60 s");
      yield* Effect.promise(() => r.hits[1].aborted); // the timed-out request was given up
      const wait2 = second.next_at - (yield* now);
      expect(wait2).toBeGreaterThanOrEqual(500);
      expect(wait2).toBeLessThanOrEqual(1_500);

      yield* adjustWhenSleeping(wait2);
      yield* until(() => r.hits.length === 4, "the third try and the next event");
      yield* until(async () => (await rows(db)).length === 0, "the queue drained");
      yield* Fiber.interrupt(running);
    }));

    expect(r.hits.map((h) => [h.body.id, h.headers["x-switchboard-attempt"], h.answer])).toEqual([
      ["e1", "1", 500], ["e1", "2", "hang"], ["e1", "3", 200], ["e2", "1", 200],
    ]);
    expect(new Set(r.hits.slice(0, 3).map((h) => h.raw)).size).toBe(1);
    for (const h of r.hits) {
      expect(h.headers["content-type"]).toBe("application/json");
      expect(h.headers["x-switchboard-event"]).toBe("dialog_created");
      expect(h.headers["x-switchboard-delivery"]).toBe(h.body.id);
      expect(h.headers["x-switchboard-signature"]).toBe(`sha256=${createHmac("sha256", "s3cret").update(h.raw).digest("hex")}`);
    }
    expect(lines.filter((l) => l.startsWith("warn webhook delivery failed; will retry") && l.includes("HTTP 500"))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith("warn webhook delivery failed; will retry") && l.includes("no answer within 60 s"))).toHaveLength(1);
  });

  it("keeps a 429's Retry-After, gives up a 4xx and a row retried for too long, each URL on its own", async () => {
    const { db, log, lines } = await setup();
    const limited = await receiver(() => ({ status: 429, retryAfter: "7" }));
    const refusing = await receiver(() => 400);
    const failing = await receiver(() => 503);
    await withTestClock(Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2025-03-01T12:00:00Z"));
      const t0 = yield* now;
      const sender = yield* makeWebhookSender({ db, botId: "b", log, secret: undefined, timeoutMs: 10_000, retryForMs: 3_600_000 });
      yield* Effect.promise(() => enqueue(db, "b", [event("fresh", [limited.url, refusing.url])], t0));
      // Queued just under an hour ago: its next retry would fall past `retryForMs`.
      yield* Effect.promise(() => enqueue(db, "b", [event("old", [failing.url])], t0 - 3_600_000 + 100));
      const running = yield* Effect.fork(sender.run);
      yield* until(async () => (await rows(db)).length === 1 && (await rows(db))[0].attempts === 1, "three outcomes recorded");
      const [left] = yield* Effect.promise(() => rows(db));
      expect(left.url).toBe(limited.url);
      // The clock has not moved: the row waits exactly what the receiver asked.
      expect(left.next_at).toBe(t0 + 7_000);
      yield* Fiber.interrupt(running);
    }));
    expect(refusing.hits[0].headers["x-switchboard-signature"]).toBeUndefined();
    expect(lines.filter((l) => l.startsWith("error webhook refused by the receiver; given up") && l.includes("HTTP 400"))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith("error webhook given up: the receiver failed for too long") && l.includes("HTTP 503"))).toHaveLength(1);
  });

  it("sleeps until woken: rows committed later go out on wake(), without the clock moving", async () => {
    const { db, log } = await setup();
    const r = await receiver();
    await withTestClock(Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2025-03-01T12:00:00Z"));
      const sender = yield* makeWebhookSender({ db, botId: "b", log, secret: undefined, timeoutMs: 10_000, retryForMs: 3_600_000 });
      const running = yield* Effect.fork(sender.run);
      for (const id of ["a", "b", "c"]) {
        const hits = r.hits.length;
        yield* Effect.promise(() => enqueue(db, "b", [event(id, [r.url])], Date.parse("2025-03-01T12:00:00Z")));
        sender.wake();
        yield* until(() => r.hits.length === hits + 1, `event ${id} after the wake`);
      }
      yield* Fiber.interrupt(running);
    }));
    expect(r.hits.map((h) => h.body.id)).toEqual(["a", "b", "c"]);
  });

  it("a hanging receiver holds only its own URL; stopping aborts its request and leaves the row as it was", async () => {
    const { db, log } = await setup();
    const stuck = await receiver(() => "hang");
    const fine = await receiver();
    await withTestClock(Effect.gen(function* () {
      const t0 = yield* now;
      const sender = yield* makeWebhookSender({ db, botId: "b", log, secret: undefined, timeoutMs: 10_000, retryForMs: 3_600_000 });
      yield* Effect.promise(() => enqueue(db, "b", [event("one", [stuck.url, fine.url]), event("two", [stuck.url, fine.url])], t0));
      const running = yield* Effect.fork(sender.run);
      yield* until(() => fine.hits.length === 2 && stuck.hits.length === 1, "the fine URL drained while the stuck one hangs");
      // A hit is the request's arrival; its row goes once the answer is recorded.
      yield* until(async () => (await rows(db)).every((row) => row.url === stuck.url), "the fine URL's rows recorded");
      yield* Fiber.interrupt(running);
    }));
    await stuck.hits[0].aborted;
    const left = await rows(db);
    expect(left.map((row) => [row.url, row.event_id, row.attempts])).toEqual([[stuck.url, "one", 0], [stuck.url, "two", 0]]);
    expect(fine.hits.map((h) => h.body.id)).toEqual(["one", "two"]);
  });

  it("a command answered 2xx is POSTed once: a report that fails is kept in the row and made again, the request is not", async () => {
    const { db, log, lines } = await setup();
    const r = await receiver(() => ({ status: 200, json: { text: "Invoice #42 sent" } }));
    const reports: string[] = [];
    let failures = 1;
    await withTestClock(Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2025-03-01T12:00:00Z"));
      const sender = yield* makeWebhookSender({
        db, botId: "b", log, secret: undefined, timeoutMs: 10_000, retryForMs: 3_600_000,
        reportOf: (_row, _attempt, outcome) => (outcome.kind === "delivered" ? outcome.body : undefined),
        report: async (_row, text) => {
          // The store hiccups once (or the bot is stopping): the report is rejected.
          if (failures-- > 0) throw new Error("store busy");
          reports.push(text);
        },
      });
      yield* Effect.promise(() => enqueue(db, "b", [{ urls: [r.url], event: "/invoice", eventId: "i1", body: JSON.stringify({ id: "i1" }) }], Date.parse("2025-03-01T12:00:00Z")));
      const running = yield* Effect.fork(sender.run);
      yield* until(() => lines.some((l) => l.includes("could not be recorded or reported")), "the failed report");
      // The sender waits 5 s on the Clock after a failed report, then makes it again.
      yield* adjustWhenSleeping(5_000);
      yield* until(async () => (await rows(db)).length === 0, "the report made and the row removed");
      yield* Fiber.interrupt(running);
    }));
    expect(r.hits).toHaveLength(1);
    expect(reports).toEqual([JSON.stringify({ text: "Invoice #42 sent" })]);
  });

  it("a command's answer that can never be posted is retried on the backoff, then set aside as a dead letter, once", async () => {
    const { db, log, lines } = await setup();
    const r = await receiver(() => ({ status: 200, json: { text: "Invoice #42 sent" } }));
    let tries = 0;
    await withTestClock(Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2025-03-01T12:00:00Z"));
      const sender = yield* makeWebhookSender({
        db, botId: "b", log, secret: undefined, timeoutMs: 10_000, retryForMs: 60_000,
        reportOf: (_row, _attempt, outcome) => (outcome.kind === "delivered" ? outcome.body : undefined),
        // The conversation refuses it every time (a poison answer).
        report: async () => {
          tries++;
          throw new Error("cannot be posted");
        },
      });
      const t0 = yield* now;
      yield* Effect.promise(() => enqueue(db, "b", [{ urls: [r.url], event: "/invoice", eventId: "i1", body: JSON.stringify({ id: "i1" }) }], t0));
      const running = yield* Effect.fork(sender.run);
      // Every wait is on the TestClock: move it until the row is gone (a minute of retries at most).
      for (let i = 0; i < 40 && (yield* Effect.promise(() => rows(db))).length > 0; i++) {
        const seen = tries;
        yield* adjustWhenSleeping(10 * 60_000);
        yield* until(async () => tries > seen || (await rows(db)).length === 0, "the next try");
      }
      yield* Fiber.interrupt(running);
    }));
    expect(await rows(db)).toEqual([]);
    expect(r.hits).toHaveLength(1);
    // 0.5 s doubling within a minute: a handful of tries, not one every few seconds.
    expect(tries).toBeGreaterThan(2);
    expect(tries).toBeLessThanOrEqual(9);
    const letters = await db.selectFrom("dead_letters").selectAll().execute();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ bot_id: "b", source: "webhooks" });
    expect(letters[0].reason).toContain("cannot be posted");
    expect(JSON.parse(letters[0].raw)).toMatchObject({ event: "/invoice", event_id: "i1", report: JSON.stringify({ text: "Invoice #42 sent" }) });
    expect(lines.filter((l) => l.includes("set aside as a dead letter"))).toHaveLength(1);
  });
});
