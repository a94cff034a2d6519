/**
 * The admin listener's routes as one `HttpApp`: each route is a method, an exact path and a
 * handler, and says whether it is open (served without the token). A later route (the analytics
 * page, the Topics API) is one more entry in the list given to {@link adminApp}.
 */
import type * as HttpApp from "@effect/platform/HttpApp";
import * as HttpServerRequest from "@effect/platform/HttpServerRequest";
import * as HttpServerResponse from "@effect/platform/HttpServerResponse";
import * as Effect from "effect/Effect";
import { authorized } from "./auth.ts";

/** One route. */
export interface AdminRoute {
  readonly method: "GET" | "POST";
  /** The exact path (no query), or a pattern the whole path must match (the handler reads its parts). */
  readonly path: string | RegExp;
  /** Served without the token: `/healthz` (liveness probes carry none) and the analytics page's code files (no data in them). */
  readonly open?: boolean;
  /** The 401 answer when the token is missing or wrong (default: JSON); a page asks for the token instead. */
  readonly unauthorized?: (request: HttpServerRequest.HttpServerRequest) => HttpServerResponse.HttpServerResponse;
  readonly handler: (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<HttpServerResponse.HttpServerResponse>;
}

/** A JSON error answer. */
export const jsonError = (status: number, error: string) => HttpServerResponse.unsafeJson({ error }, { status });

/**
 * The routes as an app. With a `token`, every route that is not `open` answers 401 unless the
 * request carries it; without one (the listener is then on loopback) every route is served.
 */
export const adminApp = (routes: readonly AdminRoute[], token: string | undefined): HttpApp.Default =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest;
    const path = request.url.split("?")[0];
    const matching = routes.filter((r) => (typeof r.path === "string" ? r.path === path : r.path.test(path)));
    if (matching.length === 0) return jsonError(404, `no such page: ${path}`);
    const route = matching.find((r) => r.method === request.method || (r.method === "GET" && request.method === "HEAD"));
    if (route === undefined) return jsonError(405, `${request.method} is not allowed on ${path}`);
    if (token !== undefined && !route.open && !authorized(request, token)) {
      if (route.unauthorized) return route.unauthorized(request);
      return HttpServerResponse.unsafeJson({ error: "a valid token is required: Authorization: Bearer TOKEN, X-API-KEY: TOKEN or ?token=TOKEN" }, {
        status: 401,
        headers: { "www-authenticate": 'Bearer realm="switchboard"' },
      });
    }
    return yield* route.handler(request);
  });
