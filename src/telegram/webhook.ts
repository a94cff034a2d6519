/**
 * The webhook receiver, served by @effect/platform's HttpServer (node:http on Node, Deno.serve
 * on Deno; see platform/). A request is answered 200 only after its update is committed to the
 * inbox (as an update, or as a dead letter when it does not decode); Telegram re-sends anything
 * not answered 2xx. Requests without the configured secret header are refused with 401. What can
 * never be read — a body over 10 MiB (413), not JSON (400) — is refused with a 4xx, never a 5xx,
 * so it is not sent again forever; answers are JSON in the Bot API's error shape. JSON that is not
 * an update, or nests deeper than any update (64 levels), is dead-lettered and answered 200.
 */
import type * as HttpApp from "@effect/platform/HttpApp";
import type * as HttpServerError from "@effect/platform/HttpServerError";
import * as HttpServerRequest from "@effect/platform/HttpServerRequest";
import * as HttpServerResponse from "@effect/platform/HttpServerResponse";
import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import type * as Scope from "effect/Scope";
import { makeHttpServer } from "../platform/mod.ts";
import { readBody } from "../platform/read-body.ts";
import { jsonDepthWithin } from "../util/json-depth.ts";
import { Unreadable } from "./decode-update.ts";
import type { Logger } from "../util/log.ts";

/** Settings of a webhook receiver. */
export interface WebhookOptions {
  readonly host: string;
  /** 0 picks a free port (the receiver reports the bound one). */
  readonly port: number;
  /** The exact path Telegram posts to. */
  readonly path: string;
  readonly secret?: string;
  readonly log: Logger;
  /**
   * Commits updates (as received, with their JSON text) durably, setting aside what does not
   * decode; a failure answers 500, so Telegram sends the update again.
   */
  readonly accept: (updates: readonly unknown[], texts: readonly string[]) => Effect.Effect<unknown, unknown>;
}

/** Telegram's own updates are far smaller; anything bigger is not from it. */
const maxBody = 10 * 1024 * 1024;

/**
 * Telegram's updates nest about ten levels (an inline keyboard in a replied-to message); far
 * deeper bodies are not from it, and would overflow the stack of whatever walks them.
 */
const maxDepth = 64;

const answer = (status: number, description: string) =>
  HttpServerResponse.unsafeJson(status < 300 ? { ok: true } : { ok: false, error_code: status, description }, { status });

/** The receiver as an app: POST to `path` with the secret, one update per request. */
export const webhookApp = (o: WebhookOptions): HttpApp.Default =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest;
    if (request.method !== "POST" || request.url.split("?")[0] !== o.path) return answer(404, "Not Found");
    if (o.secret !== undefined && request.headers["x-telegram-bot-api-secret-token"] !== o.secret) {
      o.log.warn("webhook request with a wrong or missing secret token refused", { from: Option.getOrUndefined(request.remoteAddress) });
      return answer(401, "Unauthorized");
    }
    // Only the read may be cut short (a client that left, a server that stops): once the commit
    // started, it and its answer finish. (An app runs uninterruptibly unless it says otherwise.)
    const body = yield* Effect.either(Effect.interruptible(readBody(request, maxBody)));
    if (body._tag === "Left") {
      o.log.warn("webhook body could not be read; ignored", { error: body.left._tag });
      return body.left._tag === "BodyTooLarge"
        ? answer(413, `Request Entity Too Large: a webhook body is at most ${maxBody} bytes`)
        : answer(400, "Bad Request: the body could not be read");
    }
    const parsed = parseJson(body.right);
    if (!parsed.ok) {
      o.log.warn("webhook body is not JSON; ignored", { error: parsed.error.slice(0, 200) });
      return answer(400, `Bad Request: ${parsed.error}`);
    }
    // Well-formed JSON is Telegram's to send: whatever it holds, the inbox keeps it (as an update
    // or as a dead letter) and the answer is 200, or Telegram would send it again forever.
    return yield* o.accept([parsed.value], [parsed.text]).pipe(
      Effect.as(answer(200, "OK")),
      Effect.catchAllCause((cause) =>
        Effect.sync(() => {
          o.log.error("could not save a webhook update; Telegram will retry", { error: String(cause) });
          return answer(500, "Internal Server Error: the update could not be saved; send it again");
        })
      ),
    );
  });

/** Serves `webhookApp` on `host:port` until the scope closes; the bound port is returned. */
export const webhookReceiver = (o: WebhookOptions): Effect.Effect<{ readonly port: number }, HttpServerError.ServeError, Scope.Scope> =>
  Effect.gen(function* () {
    const server = yield* makeHttpServer({ host: o.host, port: o.port });
    yield* server.serve(webhookApp(o));
    return { port: server.address._tag === "TcpAddress" ? server.address.port : o.port };
  });

/**
 * The body's JSON value and text, or why it is not JSON. A body nested deeper than any update is
 * not parsed (nothing downstream has to walk it): it goes to the inbox as `Unreadable`, a dead letter.
 */
function parseJson(body: Uint8Array): { ok: true; value: unknown; text: string } | { ok: false; error: string } {
  const text = new TextDecoder().decode(body);
  if (!jsonDepthWithin(body, maxDepth)) return { ok: true, value: new Unreadable(`update: nested deeper than ${maxDepth} levels`), text };
  try {
    return { ok: true, value: JSON.parse(text) as unknown, text };
  } catch (error) {
    return { ok: false, error: `the body is not JSON (${String(error)})` };
  }
}
