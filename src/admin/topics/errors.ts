/** The Topics API's answers that are not successes: an HTTP status and a sentence, as JSON. */
import * as HttpServerResponse from "@effect/platform/HttpServerResponse";
import * as Data from "effect/Data";
import * as Effect from "effect/Effect";
import type { StoreError } from "../../store/store.ts";

/** A 4xx (or 503) with what is wrong, for the caller. */
export class ApiError extends Data.TaggedError("ApiError")<{ readonly status: number; readonly message: string }> {}

/** Fails with `status` and `message`. */
export const fail = (status: number, message: string) => Effect.fail(new ApiError({ status, message }));

/** A handler's errors as JSON answers: its own with their status, the store's as 503 (try again). */
export const answerErrors = <R>(handler: Effect.Effect<HttpServerResponse.HttpServerResponse, ApiError | StoreError, R>) =>
  handler.pipe(
    Effect.catchAll((e) =>
      Effect.succeed(
        e._tag === "ApiError"
          ? HttpServerResponse.unsafeJson({ error: e.message }, { status: e.status })
          : HttpServerResponse.unsafeJson({ error: `the store did not answer: ${e.message}` }, { status: 503, headers: { "retry-after": "5" } }),
      )
    ),
  );
