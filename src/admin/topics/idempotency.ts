/**
 * `Idempotency-Key` on the Topics API's writing calls: the first successful answer to a key is
 * stored (store/idempotency.ts, 24 h) with a digest of the request; the same key with the same
 * request gets that answer again without acting, marked `Idempotent-Replayed: true`; the same
 * key with another request is a 422; the same key while its first request is still running is a
 * 409. The answer is stored in the transaction that puts the call's updates into the inbox, so a
 * crash cannot leave the call done and its key free (a retry would act twice) or the other way
 * round. Failures are not remembered: nothing was done, so a retry may act.
 */
import { createHash } from "node:crypto";
import * as HttpServerResponse from "@effect/platform/HttpServerResponse";
import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import { rememberAnswer, rememberedAnswer } from "../../store/idempotency.ts";
import type { Db } from "../../store/schema.ts";
import { query, type StoreError } from "../../store/store.ts";
import { ApiError } from "./errors.ts";

/** What a writing call answers. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/** Keys whose first request is running, per bot (`bot\nkey`). */
const running = new Set<string>();

/**
 * Given the answer a call will give, the write that stores it with the call's own inbox
 * transaction (undefined without a key).
 */
export type Remember = (answer: Answer) => ((tx: Db) => Promise<void>) | undefined;

/** Thrown inside the accepting transaction when the key was stored meanwhile (another instance): rolls it back. */
class KeyTaken extends Error {}

/**
 * Runs `act` at most once per `key` (when one is given) for the request described by `request`;
 * `act` commits the key with its work through the `Remember` it is given.
 */
export const idempotent = <R>(db: Db, botId: string, key: string | undefined, request: string, act: (remember: Remember) => Effect.Effect<Answer, ApiError | StoreError, R>) =>
  Effect.gen(function* () {
    if (key === undefined) return yield* Effect.map(act(() => undefined), respond);
    if (key.length === 0 || key.length > 255) return yield* Effect.fail(new ApiError({ status: 400, message: "Idempotency-Key must be 1 to 255 characters" }));
    const digest = createHash("sha256").update(request).digest("hex");
    const now = yield* Clock.currentTimeMillis;
    const replay = Effect.gen(function* () {
      const remembered = yield* query("read an idempotency key", () => rememberedAnswer(db, botId, key, now));
      if (remembered === undefined) return undefined;
      if (remembered.requestDigest !== digest) return yield* Effect.fail(new ApiError({ status: 422, message: "this Idempotency-Key was used for another request" }));
      return HttpServerResponse.text(remembered.response, { status: remembered.status, contentType: "application/json", headers: { "idempotent-replayed": "true" } });
    });
    const earlier = yield* replay;
    if (earlier !== undefined) return earlier;
    const slot = `${botId}\n${key}`;
    if (running.has(slot)) return yield* Effect.fail(new ApiError({ status: 409, message: "a request with this Idempotency-Key is still running" }));
    running.add(slot);
    const at = yield* Clock.currentTimeMillis;
    const remember: Remember = (answer) => async (tx) => {
      const stored = await rememberAnswer(tx, botId, key, { requestDigest: digest, status: answer.status, response: JSON.stringify(answer.body) }, at);
      if (!stored) throw new KeyTaken("the Idempotency-Key was stored meanwhile");
    };
    return yield* act(remember).pipe(
      Effect.map(respond),
      // Lost the race to another instance: its answer is the one to give.
      Effect.catchTag("StoreError", (error) => error.cause instanceof KeyTaken ? Effect.flatMap(replay, (r) => r === undefined ? Effect.fail(error) : Effect.succeed(r)) : Effect.fail(error)),
      Effect.ensuring(Effect.sync(() => running.delete(slot))),
    );
  });

const respond = (answer: Answer) => HttpServerResponse.unsafeJson(answer.body, { status: answer.status });
