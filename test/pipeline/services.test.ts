/**
 * The pipeline's services through their layers: a real SQLite store (the Store test layer),
 * the real machine and plugin host, Telegram stubbed by `TelegramApi.layerTest`, time on the
 * TestClock. End-to-end behaviour is covered through the emulator in test/e2e.
 */
import type { Message, Update } from "@grammyjs/types";
import { Chunk, Clock, Context, Effect, Layer, PubSub, Queue, TestClock, TestContext } from "effect";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { createConversationMachine } from "../../src/conversation/machine.ts";
import { Bot } from "../../src/pipeline/bot-env.ts";
import { Delivery } from "../../src/pipeline/delivery/lanes.ts";
import { PairsInFlight } from "../../src/pipeline/delivery/pairs-in-flight.ts";
import { Inbox } from "../../src/pipeline/inbox.ts";
import { Outbox } from "../../src/pipeline/outbox.ts";
import { noLimits } from "../../src/pipeline/rate-limits.ts";
import { Processor } from "../../src/pipeline/processor.ts";
import { Stepper } from "../../src/pipeline/stepper.ts";
import { Timers } from "../../src/pipeline/timers.ts";
import { PluginHost } from "../../src/plugins/host.ts";
import { Plugins } from "../../src/plugins/service.ts";
import { lastUpdateId } from "../../src/store/inbox.ts";
import { applyTimerEffects } from "../../src/store/timers.ts";
import { layerTest as storeLayerTest, Store } from "../../src/store/store.ts";
import { TelegramApi } from "../../src/telegram/api.ts";
import { RateLimited } from "../../src/telegram/errors.ts";
import { capturingLogger } from "../support/capture-log.ts";
import { adjustWhenSleeping } from "../support/test-clock.ts";
import { waitFor } from "../support/world.ts";

const groupId = -1001000000001;
const user = { id: 42, firstName: "Ann" };
const message = (id: number, text: string): Message => ({ message_id: id, date: 0, chat: { id: user.id, type: "private", first_name: "Ann" }, from: { id: user.id, is_bot: false, first_name: "Ann" }, text }) as Message;
const userMessage = (id: number, text: string) => ({ chatId: user.id, user, event: { type: "user.message" as const, message: message(id, text), user } });

/** The bot's services on a fresh store; `telegram` answers the Bot API calls. */
function services(telegram: Layer.Layer<TelegramApi> = TelegramApi.layerTest(() => Effect.die("no Telegram here"))) {
  const { log, lines } = capturingLogger();
  const base = Layer.mergeAll(
    Layer.succeed(Bot, { botId: "acme", groupId, view: { id: "acme", username: "acme_bot", groupId, params: {} as never }, log }),
    Layer.succeed(Plugins, new PluginHost([], log)),
    telegram,
  );
  const queues = Layer.mergeAll(Outbox.layer, Inbox.layer());
  const stepper = Stepper.layer(createConversationMachine()).pipe(Layer.provideMerge(queues), Layer.provideMerge(base));
  return { stepper: stepper.pipe(Layer.provideMerge(storeLayerTest)), lines };
}

const run = <A, E>(effect: Effect.Effect<A, E, never>) => Effect.runPromise(effect.pipe(Effect.provide(TestContext.TestContext)) as Effect.Effect<A, E>);

describe("Inbox", () => {
  it("saves a batch once (duplicates ignored), wakes the processor, hands updates back in arrival order", async () => {
    const { stepper } = services();
    await run(Effect.gen(function* () {
      const inbox = yield* Inbox;
      yield* inbox.arrivals; // left from a previous run: the first wake-up is free
      const updates = [{ update_id: 7, message: message(1, "a") }, { update_id: 5, message: message(2, "b") }] as Update[];
      expect(yield* inbox.accept(updates, { source: "polling" })).toBe(2);
      expect(yield* inbox.accept(updates, { source: "polling" })).toBe(0);
      yield* inbox.arrivals;
      expect((yield* inbox.pending(10)).map((r) => r.updateId)).toEqual([7, 5]);
      const { db } = yield* Store;
      expect(yield* Effect.promise(() => lastUpdateId(db, "acme"))).toBe(7);
    }).pipe(Effect.provide(stepper)));
  });

  it("hands back what it accepted without decoding it again, but a duplicate's stored text (its first arrival's) is decoded anew (and set aside if it fails)", async () => {
    const { stepper } = services();
    await run(Effect.gen(function* () {
      const inbox = yield* Inbox;
      const { db } = yield* Store;
      const updates = [{ update_id: 1, message: message(1, "a") }, { update_id: 2, message: message(2, "b") }] as Update[];
      yield* inbox.accept(updates, { source: "polling" });
      // Held decoded: the very objects accepted come back.
      const first = yield* inbox.pending(10);
      expect(first[0].update).toBe(updates[0]);
      expect(first[1].update).toBe(updates[1]);
      // Update 3 arrived before with another text (stored by an older version, which kept what no
      // longer decodes): accepting it again is a duplicate, and the stored text is what counts.
      yield* Effect.promise(() => sql`insert into inbox (bot_id, update_id, payload, received_at, processed) values ('acme', 3, ${'{"update_id":3,"message":{"message_id":"x"}}'}, 0, 0)`.execute(db));
      yield* inbox.accept([{ update_id: 3, message: message(3, "c") }] as Update[], { source: "polling" });
      expect(inbox.deadLettered).toBe(0);
      const rows = yield* inbox.pending(10);
      // Read a second time (nothing was processed): decoded from the store now, equal but not the same objects.
      expect(rows.map((r) => r.update)).toEqual(updates);
      expect(rows[0].update).not.toBe(updates[0]);
      expect(inbox.deadLettered).toBe(1);
    }).pipe(Effect.provide(stepper)));
  });
  it("a front's inbox (holdDecoded: false, nothing reads it back) holds nothing after many accepts; a bot's holds what it accepted", async () => {
    const { log } = capturingLogger();
    const held = (holdDecoded: boolean | undefined) =>
      run(Effect.gen(function* () {
        const inbox = yield* Inbox;
        for (let i = 1; i <= 50; i++) yield* inbox.accept([{ update_id: i, message: message(i, "a") }], { source: "webhook" });
        return inbox.heldDecoded;
      }).pipe(Effect.provide(Inbox.layer(holdDecoded === undefined ? {} : { holdDecoded }).pipe(
        Layer.provide(Layer.mergeAll(storeLayerTest, Layer.succeed(Bot, { botId: "acme", groupId, view: { id: "acme", username: "acme_bot", groupId, params: {} as never }, log }))),
      ))));
    expect(await held(false)).toBe(0);
    expect(await held(undefined)).toBe(50);
  });
});

describe("Processor", () => {
  it("tries again, without a new arrival, the updates it could neither process nor set aside while the store failed", async () => {
    const { stepper, lines } = services();
    const router = { botId: 1, botUsername: "acme_bot", groupId, chatOfTopic: async () => undefined, chatOfTopicMessage: async () => undefined };
    await run(Effect.gen(function* () {
      const { db } = yield* Store;
      const inbox = yield* Inbox;
      const rename = (from: string, to: string) => Effect.promise(() => sql`alter table ${sql.table(from)} rename to ${sql.table(to)}`.execute(db));
      const pending = Effect.promise(() => Effect.runPromise(inbox.pending(10)));
      // The step's table and the dead letters' both unusable: the update can go nowhere.
      yield* rename("conversations", "conversations_gone");
      yield* rename("dead_letters", "dead_letters_gone");
      yield* Effect.forkScoped(Layer.launch(Processor.layer(router)));
      yield* inbox.accept([{ update_id: 9, message: message(1, "hello") } as Update], { source: "polling" });
      yield* Effect.promise(() => waitFor(() => lines.some((l) => l.includes("could not set aside an update that failed")), "the failed try"));
      yield* rename("conversations_gone", "conversations");
      yield* rename("dead_letters_gone", "dead_letters");
      // Nothing else arrives: only the processor's own retry can take the update now.
      yield* TestClock.adjust("1 minute");
      yield* Effect.promise(() => waitFor(async () => (await Effect.runPromise(inbox.pending(10))).length === 0, "the retry"));
      expect(yield* pending).toEqual([]);
    }).pipe(Effect.scoped, Effect.provide(stepper)));
  });
});

describe("Stepper and Outbox", () => {
  it("commits a step's intents and announces the chat; the row is read back from memory or the store", async () => {
    const { stepper } = services();
    await run(Effect.scoped(Effect.gen(function* () {
      const outbox = yield* Outbox;
      const announced = yield* PubSub.subscribe(outbox.work);
      const steps = yield* Stepper;
      const applied = yield* steps.apply([userMessage(1, "hello")]);
      expect(applied[0].intents.map((i) => i.type)).toEqual(["createTopic", "copyToTopic"]);
      expect(yield* Queue.take(announced)).toBe(user.id);
      expect((yield* outbox.head(user.id, 10)).map((r) => r.intent.type)).toEqual(["createTopic", "copyToTopic"]);
      expect((yield* steps.rowOf(user.id))?.state).toBe("topic-open");
      expect(yield* steps.topicOf(user.id)).toBeNull();
    })).pipe(Effect.provide(stepper)));
  });
});

/** Waits (in real time) until `probe` holds: the store and the fibers work asynchronously. */
const until = (probe: () => boolean, what: string) => Effect.promise(() => waitFor(probe, what, 10_000));

describe("Timers", () => {
  it("fires a due row when the Clock reaches it, not before", async () => {
    const { stepper } = services();
    await run(Effect.scoped(Effect.gen(function* () {
      const { db } = yield* Store;
      const steps = yield* Stepper;
      yield* steps.apply([userMessage(1, "hello")]);
      const now = yield* Clock.currentTimeMillis;
      yield* Effect.promise(() => applyTimerEffects(db, "acme", user.id, [{ type: "setTimer", kind: "nudge", dueAt: now + 60_000 }]));
      const timers = Context.get(yield* Layer.build(Timers.layer()), Timers);
      // The fiber looked once and now sleeps until the row is due.
      while (Chunk.isEmpty(yield* TestClock.sleeps())) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)));
      yield* TestClock.adjust(59_000);
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 50)));
      expect(timers.fired).toBe(0);
      yield* TestClock.adjust(1_000);
      yield* until(() => timers.fired === 1, "the timer to fire");
    })).pipe(Effect.provide(stepper)));
  });
});

describe("Delivery", () => {
  it("delivers a lane in order, feeds the topic back, and waits out a 429 on the Clock", async () => {
    const calls: string[] = [];
    let limited = false;
    const telegram = TelegramApi.layerTest((method, params) => {
      calls.push(`${method}${params.message_thread_id ? `@${params.message_thread_id}` : ""}`);
      if (method === "createForumTopic") return Effect.succeed({ message_thread_id: 77, name: "x", icon_color: 0 });
      if (method === "copyMessage" && !limited) {
        limited = true;
        return Effect.fail(new RateLimited({ method, retryAfter: 3, description: "Too Many Requests: retry after 3" }));
      }
      return Effect.succeed({ message_id: 1000 + calls.length });
    });
    const { stepper, lines } = services(telegram);
    const delivery = Delivery.layer({ limits: noLimits }).pipe(Layer.provideMerge(stepper));
    await run(Effect.scoped(Effect.gen(function* () {
      const steps = yield* Stepper;
      const outbox = yield* Outbox;
      const stats = (yield* Delivery).stats;
      yield* steps.apply([userMessage(1, "hello")]);
      // The copy is refused with 429: nothing more goes until the Clock passes retry_after.
      yield* until(() => stats.rateLimited === 1, "the 429");
      expect(yield* steps.topicOf(user.id)).toBe(77);
      expect((yield* outbox.head(user.id, 10)).map((r) => r.intent.type)).toEqual(["copyToTopic"]);
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 50)));
      expect(stats.delivered).toBe(1);
      yield* adjustWhenSleeping(3_000);
      yield* until(() => stats.delivered === 2, "the copy");
      expect(calls).toEqual(["createForumTopic", "copyMessage@77", "copyMessage@77"]);
      expect(stats.delivered).toBe(2);
      expect(lines.some((l) => l.includes("delivery will be retried") && l.includes("copyToTopic"))).toBe(true);
    })).pipe(Effect.provide(delivery)));
  });
});

describe("Delivery and the overall send window", () => {
  it("frees a send's place in the window, and its place among the router's deliveries in flight, when recording its result fails", async () => {
    const telegram = TelegramApi.layerTest((method) =>
      method === "createForumTopic" ? Effect.succeed({ message_thread_id: 77, name: "x", icon_color: 0 }) : Effect.succeed({ message_id: 500 })
    );
    const { stepper, lines } = services(telegram);
    // Two sends a second overall: the topic's creation and the copy each take one.
    const limits = { ...noLimits, global: { perSecond: 2, burst: 2 } };
    const pairsInFlight = new PairsInFlight();
    const delivery = Delivery.layer({ limits, pairsInFlight }).pipe(Layer.provideMerge(stepper));
    await run(Effect.scoped(Effect.gen(function* () {
      const { db } = yield* Store;
      const steps = yield* Stepper;
      const { limiter } = yield* Delivery;
      // The copy's pair cannot be recorded: its delivery fails with a store error after the send.
      yield* Effect.promise(() => sql`alter table message_map rename to message_map_gone`.execute(db));
      yield* steps.apply([userMessage(1, "hello")]);
      yield* until(() => lines.some((l) => l.includes("delivery step failed")), "the store error");
      const now = yield* Clock.currentTimeMillis;
      // A window after both sends were answered, both places are free again.
      expect(limiter.reserve(-1, now + 1_001, { count: 2 })).toBe(0);
      // The copy no longer counts as a delivery the router might wait for (it would wait up to 10 s a lookup).
      expect(pairsInFlight.size).toBe(0);
    })).pipe(Effect.provide(delivery)));
  });
});
