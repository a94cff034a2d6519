/**
 * A Bot API that answers from a script, for unit tests of retry policies on the TestClock (the
 * edge of the world; end-to-end tests use the emulator). Each call is recorded with the Clock's
 * time, so tests read the waits between calls without any real waiting.
 */
import { Clock, Effect } from "effect";
import type { TelegramClient } from "../../src/telegram/client.ts";
import type { TelegramError } from "../../src/telegram/errors.ts";
import type { Logger } from "../../src/util/log.ts";

/** What one call answers: a failure or a result. */
export type Reply = TelegramError | { readonly result: unknown };

/** One recorded call. */
export interface Call {
  readonly method: string;
  readonly at: number;
  readonly params: Record<string, unknown>;
}

/**
 * `replies[method]` answers the calls of that method in order; once used up, a call never
 * answers (a long poll with nothing to say). Methods without a script answer `true`.
 */
export function scriptedTelegram(replies: Record<string, Reply[]>) {
  const calls: Call[] = [];
  const client = {
    apiRoot: "http://telegram.test",
    call: (method: string, params?: Record<string, unknown>) =>
      Effect.gen(function* () {
        calls.push({ method, at: yield* Clock.currentTimeMillis, params: params ?? {} });
        const script = replies[method];
        if (!script) return true;
        const reply = script.shift();
        if (reply === undefined) return yield* Effect.never;
        return "result" in reply ? reply.result : yield* Effect.fail(reply);
      }),
  } as unknown as TelegramClient;
  return { client, calls, of: (method: string) => calls.filter((c) => c.method === method) };
}

/** A logger that keeps warn and error lines as `message {fields}`. */
export function captureLog() {
  const lines: string[] = [];
  const log: Logger = {
    debug: () => {}, info: () => {},
    warn: (m, f) => lines.push(`${m} ${JSON.stringify(f ?? {})}`),
    error: (m, f) => lines.push(`${m} ${JSON.stringify(f ?? {})}`),
    child: () => log,
  };
  return { log, lines };
}

/** Lets forked fibers run up to their next wait. */
export const settle = Effect.gen(function* () {
  for (let i = 0; i < 20; i++) yield* Effect.yieldNow();
});

/** The waits between consecutive calls, in ms of Clock time. */
export const gaps = (calls: readonly Call[]) => calls.slice(1).map((c, i) => c.at - calls[i].at);
