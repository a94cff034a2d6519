/**
 * Own-send recognition with the echo arriving while the Bot API call is still unanswered: the
 * Telegram side is a hand-held client whose answer the test releases (Telegram is the only
 * thing stubbed; the store is a real SQLite file).
 */
import { join } from "node:path";
import { Effect, Fiber, TestContext } from "effect";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open.ts";
import type { TelegramClient } from "../../src/telegram/client.ts";
import { OwnSends } from "../../src/telegram/mtproto/own-sends.ts";
import { createLogger } from "../../src/util/log.ts";
import { adjustWhenSleeping } from "../support/test-clock.ts";
import { tempDir } from "../support/world.ts";

/** A Bot API whose sendMessage answers only when the test says so. */
function heldTelegram() {
  const pending: Array<(id: number) => void> = [];
  const client: TelegramClient = {
    apiRoot: "held://",
    call: ((method: string) =>
      method === "sendMessage"
        ? Effect.promise(() => new Promise<{ message_id: number }>((resolve) => pending.push((id) => resolve({ message_id: id }))))
        : Effect.succeed(true)) as TelegramClient["call"],
    upload: (() => Effect.die("no uploads here")) as TelegramClient["upload"],
  };
  return { client, answer: (id: number) => pending.shift()!(id) };
}

describe("own sends", () => {
  it("an echo that arrives before the HTTP answer waits for it, and is recognised", async () => {
    const db = await openStore(`sqlite:${join(tempDir(), "own.db")}`);
    const own = new OwnSends({ db, botId: "b", log: createLogger("test", "error") });
    const telegram = heldTelegram();
    const client = own.wrap(telegram.client);
    const sending = Effect.runPromise(client.call("sendMessage", { chat_id: 42, text: "hi" }));
    await new Promise((r) => setTimeout(r, 10));
    let answered: boolean | undefined;
    const verdict = own.isOwn(42, 7).then((v) => (answered = v));
    await new Promise((r) => setTimeout(r, 30));
    expect(answered).toBeUndefined(); // still waiting for the send in flight
    telegram.answer(7);
    await sending;
    expect(await verdict).toBe(true);
    expect(own.stats.waited).toBe(1);
    // Another chat's message, and a different id in this chat, are not ours.
    expect(await own.isOwn(43, 7)).toBe(false);
    expect(await own.isOwn(42, 8)).toBe(false);
    // After a restart (empty memory) the stored id still answers.
    expect(await new OwnSends({ db, botId: "b", log: createLogger("test", "error") }).isOwn(42, 7)).toBe(true);
    expect(await new OwnSends({ db, botId: "other", log: createLogger("test", "error") }).isOwn(42, 7)).toBe(false);
    await db.destroy();
  });

  it("sends to groups and non-sending calls are not tracked", async () => {
    const db = await openStore(`sqlite:${join(tempDir(), "own.db")}`);
    const own = new OwnSends({ db, botId: "b", log: createLogger("test", "error") });
    const telegram = heldTelegram();
    const client = own.wrap(telegram.client);
    const toGroup = Effect.runPromise(client.call("sendMessage", { chat_id: -100123, text: "x" }));
    // Nothing in flight for chat 42, so no waiting.
    expect(await own.isOwn(42, 1)).toBe(false);
    telegram.answer(1);
    await toGroup;
    await Effect.runPromise(client.call("getMe"));
    expect(own.stats.waited).toBe(0);
    await db.destroy();
  });

  it("a send that never answers holds a classification for 90 s of the Clock, then the store decides", async () => {
    const db = await openStore(`sqlite:${join(tempDir(), "own.db")}`);
    const own = new OwnSends({ db, botId: "b", log: createLogger("test", "error") });
    const telegram = heldTelegram();
    const client = own.wrap(telegram.client);
    const verdict = await Effect.runPromise(Effect.gen(function* () {
      const sending = yield* Effect.fork(client.call("sendMessage", { chat_id: 42, text: "hi" }));
      yield* Effect.yieldNow();
      const classifying = yield* Effect.fork(own.isOwnEffect(42, 7));
      yield* adjustWhenSleeping(90_000);
      const answer = yield* Fiber.join(classifying);
      yield* Fiber.interrupt(sending);
      return answer;
    }).pipe(Effect.provide(TestContext.TestContext)));
    expect(verdict).toBe(false);
    expect(own.stats.waited).toBe(1);
    await db.destroy();
  });
});
