/**
 * The analytics page on the admin listener (issue 14):
 *
 * - `GET /analytics` — the page (token required; without one, a 401 page that asks for it: login.ts);
 * - `GET /analytics/app/…`, `/analytics/vendor/…` — its code and libraries, served without the
 *   token: they hold no data (they are Switchboard's own public sources), and module imports
 *   cannot carry a header;
 * - `GET /api/analytics?bot=…&period=…|from=…&to=…` — the figures, JSON (view.ts);
 * - `GET /api/analytics/<chart>.csv?…` — one chart's data as CSV (csv.ts).
 */
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest";
import * as HttpServerResponse from "@effect/platform/HttpServerResponse";
import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import { analyticsReport } from "../../store/analytics-report.ts";
import { query } from "../../store/store.ts";
import type { AdminContext } from "../context.ts";
import { jsonError, type AdminRoute } from "../router.ts";
import { answerErrors, fail } from "../topics/errors.ts";
import { chartCsv, csvCharts } from "./csv.ts";
import { indexHtml, type PageFile, pageFile } from "./files.ts";
import { loginPage } from "./login.ts";
import { readReportQuery } from "./query.ts";
import { analyticsView } from "./view.ts";

const csvPath = /^\/api\/analytics\/([a-z-]+)\.csv$/;
const pathOf = (request: HttpServerRequest.HttpServerRequest) => request.url.split("?")[0];
const searchOf = (request: HttpServerRequest.HttpServerRequest) => new URLSearchParams(request.url.split("?")[1] ?? "");

const send = (file: PageFile, cache: string) => HttpServerResponse.uint8Array(file.body, { contentType: file.type, headers: { "cache-control": cache } });

/** The view the request asks for, read from the store at the Clock's now. */
const viewOf = (ctx: AdminContext, request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis;
    const asked = readReportQuery(searchOf(request), ctx.botIds, now);
    if (typeof asked === "string") return yield* fail(400, asked);
    const report = yield* query("reading analytics", () => analyticsReport(ctx.db, asked.botIds, asked.period));
    return analyticsView(report, asked, ctx.bots, now);
  });

/** The routes. */
export const analyticsRoutes = (ctx: AdminContext): AdminRoute[] => [
  {
    method: "GET",
    path: "/analytics",
    unauthorized: loginPage,
    handler: () => Effect.sync(() => send(indexHtml(), "no-store")),
  },
  {
    method: "GET",
    path: /^\/analytics\/(app|vendor)\/[^/]+$/,
    open: true,
    handler: (request) => Effect.sync(() => {
      const file = pageFile(pathOf(request));
      return file ? send(file, "no-cache") : jsonError(404, `no such file: ${pathOf(request)}`);
    }),
  },
  {
    method: "GET",
    path: "/api/analytics",
    handler: (request) => answerErrors(Effect.map(viewOf(ctx, request), (view) => HttpServerResponse.unsafeJson(view, { headers: { "cache-control": "no-store" } }))),
  },
  {
    method: "GET",
    path: csvPath,
    handler: (request) =>
      answerErrors(Effect.gen(function* () {
        const [, chart] = csvPath.exec(pathOf(request))!;
        if (!csvCharts.includes(chart)) return yield* fail(404, `no chart "${chart}"; charts: ${csvCharts.join(", ")}`);
        const view = yield* viewOf(ctx, request);
        const name = `switchboard-${chart}-${view.bot}-${view.period.name}.csv`;
        return HttpServerResponse.text(chartCsv(chart, view)!, {
          contentType: "text/csv; charset=utf-8",
          headers: { "content-disposition": `attachment; filename="${name.replace(/[^\w.-]/g, "_")}"`, "cache-control": "no-store" },
        });
      })),
  },
];
