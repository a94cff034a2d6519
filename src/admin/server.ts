/**
 * The admin listener: an @effect/platform HttpServer (see platform/) serving the admin routes
 * — `/metrics`, `/healthz`, `/readyz`, the Topics API (topics/), the analytics page (analytics/) — on `admin.listen` for the life of the Scope. More routes
 * are added to the list in {@link adminRoutes}.
 */
import type * as HttpServerError from "@effect/platform/HttpServerError";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import type { AdminConfig } from "../config/mod.ts";
import { makeHttpServer } from "../platform/mod.ts";
import type { AdminContext } from "./context.ts";
import { analyticsRoutes } from "./analytics/routes.ts";
import { healthRoutes } from "./health.ts";
import { metricsRoute } from "./metrics-route.ts";
import { makeProcessGauges } from "./process-gauges.ts";
import { adminApp, type AdminRoute } from "./router.ts";
import { topicsRoutes } from "./topics/routes.ts";

/** Every route of the admin listener. */
export const adminRoutes: Effect.Effect<(ctx: AdminContext) => AdminRoute[], never, Scope.Scope> = Effect.map(
  makeProcessGauges,
  (processGauges) => (ctx) => [...healthRoutes(ctx), metricsRoute(ctx, processGauges), ...topicsRoutes(ctx), ...analyticsRoutes(ctx)],
);

/** Serves the admin routes on `config.listen` until the scope closes; the bound port is returned. */
export const adminListener = (config: AdminConfig, ctx: AdminContext): Effect.Effect<{ readonly port: number }, HttpServerError.ServeError, Scope.Scope> =>
  Effect.gen(function* () {
    const routes = (yield* adminRoutes)(ctx);
    const server = yield* makeHttpServer({ host: config.listen.host, port: config.listen.port });
    yield* server.serve(adminApp(routes, config.token));
    return { port: server.address._tag === "TcpAddress" ? server.address.port : config.listen.port };
  });
