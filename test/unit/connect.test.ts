/**
 * Start-up calls on the TestClock against a scripted Telegram: getMe retries transient failures
 * (429 waits retry_after) and fails at once on a wrong token; setWebhook retries with a real
 * backoff, a bounded number of times.
 */
import { Effect, Exit, Fiber, TestClock, TestContext } from "effect";
import { describe, expect, it } from "vitest";
import { connect, setWebhook } from "../../src/telegram/connect.ts";
import { BadRequest, NetworkError, RateLimited, ServerError, Unauthorized } from "../../src/telegram/errors.ts";
import { captureLog, gaps, scriptedTelegram, settle } from "../support/scripted-telegram.ts";

const onTestClock = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.provide(effect, TestContext.TestContext));

/** Runs `effect` to its end, moving test time a second at a time (no real waiting). */
const runToEnd = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(effect);
    for (let s = 0; s < 600 && !fiber.unsafePoll(); s++) {
      yield* settle;
      yield* TestClock.adjust("1 second");
    }
    return yield* Fiber.await(fiber);
  });

const me = { id: 42, is_bot: true, first_name: "Acme", username: "acme_bot" };

describe("connect (getMe)", () => {
  it("retries network failures with backoff and a 429 after retry_after, then answers", () =>
    onTestClock(Effect.gen(function* () {
      const telegram = scriptedTelegram({
        getMe: [
          new NetworkError({ method: "getMe", reason: "connection refused" }),
          new RateLimited({ method: "getMe", retryAfter: 12, description: "Too Many Requests: retry after 12" }),
          new ServerError({ method: "getMe", status: 502, description: "Bad Gateway" }),
          { result: me },
        ],
      });
      const { log, lines } = captureLog();
      const exit = yield* runToEnd(connect({ client: telegram.client, botId: "acme", log }));
      expect(exit).toEqual(Exit.succeed(me));
      const waits = gaps(telegram.of("getMe"));
      expect(waits[0]).toBeGreaterThanOrEqual(250);
      expect(waits[0]).toBeLessThanOrEqual(750);
      expect(waits[1]).toBe(12_000);
      expect(waits[2]).toBeGreaterThanOrEqual(1000);
      expect(waits[2]).toBeLessThanOrEqual(3000);
      expect(lines.filter((l) => l.startsWith("cannot reach Telegram yet; retrying"))).toHaveLength(3);
    })));

  it("fails at once on a wrong token, with the message that says so", () =>
    onTestClock(Effect.gen(function* () {
      const telegram = scriptedTelegram({ getMe: [new Unauthorized({ method: "getMe", description: "Unauthorized" })] });
      const { log, lines } = captureLog();
      const exit = yield* runToEnd(connect({ client: telegram.client, botId: "acme", log }));
      expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain('bot \\"acme\\": Telegram rejected the token (401 Unauthorized) at http://telegram.test');
      expect(telegram.of("getMe")).toHaveLength(1);
      expect(lines).toEqual([]);
    })));
});

describe("setWebhook", () => {
  it("retries transient failures with growing waits, five times at most", () =>
    onTestClock(Effect.gen(function* () {
      const down = () => new ServerError({ method: "setWebhook", status: 500, description: "Internal Server Error" });
      const telegram = scriptedTelegram({ setWebhook: [down(), down(), down(), down(), down(), down(), { result: true }] });
      const { log } = captureLog();
      const exit = yield* runToEnd(setWebhook({ client: telegram.client, botId: "acme", log, url: "https://example.test/hook", secret: "s" }));
      expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain('bot \\"acme\\": setWebhook failed: Internal Server Error');
      expect(telegram.of("setWebhook")).toHaveLength(6);
      expect(telegram.of("setWebhook")[0].params).toMatchObject({ url: "https://example.test/hook", secret_token: "s" });
      // 0.5, 1, 2, 4, 8 s, each times 0.5–1.5: a real backoff, not five calls in a row.
      const waits = gaps(telegram.of("setWebhook"));
      waits.forEach((wait, i) => {
        expect(wait).toBeGreaterThanOrEqual(500 * 2 ** i * 0.5);
        expect(wait).toBeLessThanOrEqual(500 * 2 ** i * 1.5);
      });
    })));

  it("succeeds after a transient failure and does not retry a refusal", () =>
    onTestClock(Effect.gen(function* () {
      const telegram = scriptedTelegram({
        setWebhook: [new NetworkError({ method: "setWebhook", reason: "reset" }), { result: true }, new BadRequest({ method: "setWebhook", code: 400, description: "Bad Request: bad webhook: HTTPS url must be provided for webhook" })],
      });
      const { log } = captureLog();
      expect(yield* runToEnd(setWebhook({ client: telegram.client, botId: "acme", log, url: "https://example.test/hook" }))).toEqual(Exit.void);
      const refused = yield* runToEnd(setWebhook({ client: telegram.client, botId: "acme", log, url: "http://example.test/hook" }));
      expect(Exit.isFailure(refused) && JSON.stringify(refused.cause)).toContain("HTTPS url must be provided");
      expect(telegram.of("setWebhook")).toHaveLength(3);
    })));
});
