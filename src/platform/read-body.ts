/**
 * Reading a request body with an upper bound, so a sender cannot make the server buffer
 * without limit. Runtime-agnostic: it reads @effect/platform's request stream.
 */
import type * as HttpServerError from "@effect/platform/HttpServerError";
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest";
import * as Chunk from "effect/Chunk";
import * as Data from "effect/Data";
import * as Effect from "effect/Effect";
import * as Stream from "effect/Stream";

/** The body was longer than allowed. */
export class BodyTooLarge extends Data.TaggedError("BodyTooLarge")<{ readonly limit: number }> {}

/** Whether HTTP says the request carries a body at all (a body-less request has no stream). */
const hasBody = (request: HttpServerRequest.HttpServerRequest) => {
  const length = request.headers["content-length"];
  return length !== undefined ? length !== "0" : request.headers["transfer-encoding"] !== undefined;
};

/** The whole body (empty when there is none), failing once more than `maxBytes` arrived. */
export const readBody = (
  request: HttpServerRequest.HttpServerRequest,
  maxBytes = Number.POSITIVE_INFINITY,
): Effect.Effect<Uint8Array, BodyTooLarge | HttpServerError.RequestError> => {
  if (!hasBody(request)) return Effect.succeed(new Uint8Array(0));
  if (Number(request.headers["content-length"] ?? 0) > maxBytes) return Effect.fail(new BodyTooLarge({ limit: maxBytes }));
  return request.stream.pipe(
    Stream.runFoldEffect({ size: 0, chunks: Chunk.empty<Uint8Array>() }, (acc, chunk) =>
      acc.size + chunk.byteLength > maxBytes
        ? Effect.fail(new BodyTooLarge({ limit: maxBytes }))
        : Effect.succeed({ size: acc.size + chunk.byteLength, chunks: Chunk.append(acc.chunks, chunk) })),
    Effect.map(({ size, chunks }) => {
      const body = new Uint8Array(size);
      let at = 0;
      for (const chunk of chunks) {
        body.set(chunk, at);
        at += chunk.byteLength;
      }
      return body;
    }),
  );
};
