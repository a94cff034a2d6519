/**
 * What both runtime adapters share: one fiber per request running an `HttpApp`. The fibers
 * live in a `FiberSet` owned by the scope `serve` runs in, so closing that scope interrupts the
 * requests still running (a long poll) and waits for them — as @effect/platform-node's server
 * does. Routes that must finish (a commit before its answer) mark that part uninterruptible.
 */
import * as HttpApp from "@effect/platform/HttpApp";
import type * as HttpMiddleware from "@effect/platform/HttpMiddleware";
import * as HttpServerError from "@effect/platform/HttpServerError";
import * as HttpServerRequest from "@effect/platform/HttpServerRequest";
import type * as HttpServerResponse from "@effect/platform/HttpServerResponse";
import * as Effect from "effect/Effect";
import type * as Fiber from "effect/Fiber";
import * as FiberSet from "effect/FiberSet";
import type * as Scope from "effect/Scope";

/** Where and how a server listens. */
export interface ListenOptions {
  readonly host: string;
  /** 0 picks a free port; the bound one is in the server's `address`. */
  readonly port: number;
}

/** Writes an app's answer back through the runtime's own server. */
export type Respond = (
  request: HttpServerRequest.HttpServerRequest,
  response: HttpServerResponse.HttpServerResponse,
) => Effect.Effect<void>;

/** Starts one request's fiber; the adapter hands it the request it built from the runtime's. */
export type RunRequest = (request: HttpServerRequest.HttpServerRequest) => Fiber.RuntimeFiber<void>;

/**
 * A `RunRequest` for `app` whose fibers end with the current scope. The app's requirements come
 * from the caller's context, as `HttpServer.serve` promises.
 */
export const makeRequestRunner = (
  app: HttpApp.Default<unknown>,
  middleware: HttpMiddleware.HttpMiddleware | undefined,
  respond: Respond,
): Effect.Effect<RunRequest, never, Scope.Scope> =>
  Effect.map(FiberSet.makeRuntime<never>(), (runFork) => {
    const handled = HttpApp.toHandled(app, respond, middleware);
    return (request) => runFork(Effect.provideService(handled, HttpServerRequest.HttpServerRequest, request));
  });

/** The client went away: stop its request (the app sees an interruption, answered 499). */
export const abortRequest = (fiber: Fiber.RuntimeFiber<void>): void => fiber.unsafeInterruptAsFork(HttpServerError.clientAbortFiberId);
