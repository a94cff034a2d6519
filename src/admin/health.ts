/**
 * `/healthz` and `/readyz`. Healthz says the process answers (always 200; open without the
 * token, for liveness probes). Readyz says whether the deployment does its job: the store
 * answers, and every bot is started, receiving (its last getUpdates succeeded recently, or its
 * webhook is set) and delivering (no outbox row older than `admin.ready_outbox_age`); 503 with
 * the reasons otherwise.
 */
import * as HttpServerResponse from "@effect/platform/HttpServerResponse";
import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import { outboxGauges, pingStore } from "../store/gauges.ts";
import { type AdminContext, servedBotIds } from "./context.ts";
import type { AdminRoute } from "./router.ts";

/** How long the store may take to answer before it counts as unreachable. */
const STORE_TIMEOUT = "5 seconds";

/** One bot's readiness. */
interface BotReadiness {
  readonly id: string;
  readonly ready: boolean;
  readonly problems: readonly string[];
}

/** The readiness of the deployment, with what is not ready. */
export const readiness = (ctx: AdminContext) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis;
    const problems: string[] = [];
    const outbox = yield* Effect.tryPromise({
      try: async () => {
        await pingStore(ctx.db);
        return outboxGauges(ctx.db);
      },
      catch: (e) => (e instanceof Error ? e.message : String(e)),
    }).pipe(
      Effect.timeoutFail({ duration: STORE_TIMEOUT, onTimeout: () => `no answer in ${STORE_TIMEOUT}` }),
      Effect.catchAll((reason) => Effect.sync(() => void problems.push(`store unreachable: ${reason}`))),
    );
    const running = new Map(ctx.running().map((b) => [b.id, b]));
    const bots: BotReadiness[] = servedBotIds(ctx).map((id) => {
      const mine: string[] = [];
      const bot = running.get(id);
      if (bot === undefined) mine.push("not started yet (connecting to Telegram)");
      else {
        const receiving = bot.receiving.verdict(now);
        if (!receiving.ok) mine.push(receiving.reason);
      }
      const oldest = outbox?.find((o) => o.botId === id)?.oldestAt;
      if (oldest !== null && oldest !== undefined && now - oldest > ctx.readyOutboxAgeMs) {
        mine.push(`outbox row waiting ${Math.round((now - oldest) / 1000)} s (limit ${ctx.readyOutboxAgeMs / 1000} s)`);
      }
      return { id, ready: mine.length === 0, problems: mine };
    });
    const ready = problems.length === 0 && bots.every((b) => b.ready);
    return { ready, store: problems.length === 0 ? "ok" : problems[0], bots };
  });

/** The two routes. */
export const healthRoutes = (ctx: AdminContext): AdminRoute[] => [
  {
    method: "GET",
    path: "/healthz",
    open: true,
    handler: () => Effect.succeed(HttpServerResponse.unsafeJson({ status: "ok" })),
  },
  {
    method: "GET",
    path: "/readyz",
    handler: () =>
      Effect.map(readiness(ctx), (r) => HttpServerResponse.unsafeJson({ status: r.ready ? "ready" : "unready", ...r }, { status: r.ready ? 200 : 503 })),
  },
];
