/**
 * The broadcast sender gives back the place it took in the bot's overall send window when the
 * store fails between taking it and the call (a real SQLite store; time on the TestClock).
 */
import { Clock, Effect, Fiber, Layer, TestContext } from "effect";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { confirm, createDraft, migrations } from "../../plugins/broadcasts/store.ts";
import { makeBroadcastSender } from "../../plugins/broadcasts/sender.ts";
import { noLimits, RateLimiter } from "../../src/pipeline/rate-limits.ts";
import { layerTest as storeLayerTest, Store } from "../../src/store/store.ts";
import type { TelegramClient } from "../../src/telegram/client.ts";
import { capturingLogger } from "../support/capture-log.ts";
import { waitFor } from "../support/world.ts";

const groupId = -1001000000001;

describe("broadcast sender and the overall window", () => {
  it("frees the place of a send whose `sending` mark could not be written", async () => {
    const { log, lines } = capturingLogger();
    await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      const { db } = yield* Store;
      const any = db as never;
      yield* Effect.promise(() => migrations["0001_broadcasts"].up(any));
      // The recipient can be read, but not marked `sending`: the write before the call fails.
      yield* Effect.promise(() => sql`create trigger no_sending before update on broadcasts_recipient when new.status = 'sending' begin select raise(abort, 'store down'); end`.execute(db));
      const id = yield* Effect.promise(() => createDraft(any, "acme", { template: "hello", spec: "{}", createdBy: null, createdAt: 0, startAt: 0 }));
      yield* Effect.promise(() => confirm(any, "acme", id, [501], "running"));
      // Three sends a second overall.
      const limiter = new RateLimiter({ ...noLimits, global: { perSecond: 3, burst: 3 } }, 0);
      const client: TelegramClient = { apiRoot: "http://nowhere", call: () => Effect.succeed({ message_id: 1 } as never), upload: () => Effect.succeed({ message_id: 2 } as never) };
      const sender = yield* makeBroadcastSender({
        db: any, botId: "acme", groupId, log, perSecond: 30, paid: false, progressEveryMs: 60_000,
        telegram: () => ({
          client,
          reserve: (chatId, now, o) => limiter.reserve(chatId, now, { ...o, background: true }),
          settled: (chatId, now) => limiter.settled(chatId, now),
          relayBusy: () => false,
          downloadText: async () => "",
          uploadDocument: () => Effect.succeed(2),
        }),
        template: async () => ({ name: "hello", content: { kind: "message", text: "hi" } as never }),
        nameOf: async () => new Map(),
      });
      const running = yield* Effect.fork(sender.run);
      yield* Effect.promise(() => waitFor(() => lines.some((l) => l.includes("broadcast store failed")), "the failed write"));
      const now = yield* Clock.currentTimeMillis;
      // A window later, all three places are free: nothing was sent.
      expect(limiter.reserve(-7, now + 1_001, { count: 3 })).toBe(0);
      yield* Fiber.interrupt(running);
    })).pipe(Effect.provide(Layer.merge(storeLayerTest, TestContext.TestContext))));
  });
});
