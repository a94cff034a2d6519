/**
 * The process's own gauges: memory (resident set, heap) and event-loop lag. The lag comes from
 * a timer that notes how late it fires every 20 ms while the admin listener runs (platform/loop-lag.ts,
 * the same on Node and Deno); each scrape reports the window since the previous one and starts
 * a new window.
 */
import process from "node:process";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import { startLagSampler } from "../platform/loop-lag.ts";
import type { Family } from "./prometheus.ts";

/** Reads the process gauges as families. */
export type ProcessGauges = () => Family[];

/** Starts the event-loop sampler for the life of the scope. */
export const makeProcessGauges: Effect.Effect<ProcessGauges, never, Scope.Scope> = Effect.gen(function* () {
  const lag = yield* Effect.acquireRelease(Effect.sync(startLagSampler), (sampler) => Effect.sync(() => sampler.stop()));
  return () => {
    const memory = process.memoryUsage();
    const families: Family[] = [
      { name: "process_resident_memory_bytes", help: "Resident memory size in bytes.", type: "gauge", samples: [{ labels: {}, value: memory.rss }] },
      { name: "switchboard_heap_used_bytes", help: "JavaScript heap in use, in bytes.", type: "gauge", samples: [{ labels: {}, value: memory.heapUsed }] },
    ];
    const window = lag.window();
    if (window !== undefined) {
      families.push({
        name: "switchboard_event_loop_lag_seconds",
        help: "Event-loop delay since the previous scrape: mean, 99th percentile and max.",
        type: "gauge",
        samples: [
          { labels: { stat: "mean" }, value: window.meanMs / 1000 },
          { labels: { stat: "p99" }, value: window.p99Ms / 1000 },
          { labels: { stat: "max" }, value: window.maxMs / 1000 },
        ],
      });
    }
    return families;
  };
});
