/**
 * The MTProto session's update queue on Effect's TestClock: mtcute's real client against the
 * fake Telegram (test/support/fake-mtproto.ts), the emulator for the Bot API side, a real
 * SQLite store for the session, and an inbox (`accept`) that fails when the test says so.
 */
import type { Update } from "@grammyjs/types";
import { Effect, Exit, Scope, TestContext } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open.ts";
import { OwnSends } from "../../src/telegram/mtproto/own-sends.ts";
import { mtprotoSession } from "../../src/telegram/mtproto/session.ts";
import { createLogger } from "../../src/util/log.ts";
import { FakeMtproto } from "../support/fake-mtproto.ts";
import { adjustWhenSleeping } from "../support/test-clock.ts";
import { closeAll, createWorld, logLines, waitFor } from "../support/world.ts";

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await closeAll();
});

describe("MTProto update queue", () => {
  it("retries a batch the inbox cannot save on the backoff schedule (Clock), keeping the order of what arrives meanwhile", async () => {
    const w = await createWorld();
    const fake = new FakeMtproto(w.emulator, { ...w.bot, firstName: "Acme Support" });
    cleanups.push(() => fake.close());
    const db = await openStore(`sqlite:${w.dbPath}`);
    cleanups.push(() => db.destroy());
    const log = createLogger("test", "debug");
    const saved: string[] = [];
    let failures = 2;
    const accept = async (updates: Update[]) => {
      if (failures > 0) {
        failures--;
        throw new Error("database is locked");
      }
      saved.push(...updates.map((u) => u.message?.text ?? "?"));
      return updates.length;
    };
    const from = logLines.length;
    const failed = () => logLines.slice(from).filter((l) => l.includes("cannot save MTProto updates in the inbox; retrying"));

    await Effect.runPromise(Effect.gen(function* () {
      const scope = yield* Scope.make();
      const session = yield* Scope.extend(mtprotoSession({
        db, botId: "acme", token: w.bot.token, apiId: 12345, apiHash: "0123456789abcdef0123456789abcdef",
        me: { id: w.bot.id, first_name: "Acme Support", username: w.bot.username }, log,
        ownSends: new OwnSends({ db, botId: "acme", log }), accept, createClient: fake.factory,
      }), scope);
      const ann = w.emulator.createUser({ firstName: "Ann" });
      w.emulator.userSends(w.bot.token, ann.id, { text: "one" });
      yield* Effect.promise(() => waitFor(() => failed().length === 1, "the first failure"));
      w.emulator.userSends(w.bot.token, ann.id, { text: "two" });
      // The retry waits on the Clock: first 0.5 s (± jitter), then 1 s.
      yield* adjustWhenSleeping(750);
      yield* Effect.promise(() => waitFor(() => failed().length === 2, "the second failure"));
      expect(saved).toEqual([]);
      yield* adjustWhenSleeping(1_500);
      yield* Effect.promise(() => waitFor(() => saved.length >= 1, "the batch saved"));
      yield* Effect.promise(() => waitFor(() => saved.includes("two"), "the second message saved"));
      yield* Effect.promise(() => session.drained());
      expect(session.stats.accepted).toBe(2);
      yield* Scope.close(scope, Exit.void);
    }).pipe(Effect.provide(TestContext.TestContext)));

    expect(saved).toEqual(["one", "two"]);
    expect(failed()[0]).toContain("attempt=1");
    expect(failed()[1]).toContain("attempt=2");
  });
});
