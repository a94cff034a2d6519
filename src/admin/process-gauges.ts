/**
 * The process's own gauges: memory (resident set, heap) and event-loop lag. The lag comes from
 * `monitorEventLoopDelay` (node:perf_hooks, also in Deno), sampled every 20 ms while the admin
 * listener runs; each scrape reports the window since the previous one and starts a new window.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";
import process from "node:process";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import type { Family } from "./prometheus.ts";

/** The monitor's sampling interval; its samples are the interval plus the lag. */
const RESOLUTION_MS = 20;

/** Reads the process gauges as families. */
export type ProcessGauges = () => Family[];

/** Starts the event-loop monitor for the life of the scope (none where the runtime lacks it). */
export const makeProcessGauges: Effect.Effect<ProcessGauges, never, Scope.Scope> = Effect.gen(function* () {
  const monitor = yield* Effect.acquireRelease(
    Effect.sync((): IntervalHistogram | undefined => {
      try {
        const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
        h.enable();
        return h;
      } catch {
        return undefined;
      }
    }),
    (h) => Effect.sync(() => h?.disable()),
  );
  return () => {
    const memory = process.memoryUsage();
    const families: Family[] = [
      { name: "process_resident_memory_bytes", help: "Resident memory size in bytes.", type: "gauge", samples: [{ labels: {}, value: memory.rss }] },
      { name: "switchboard_heap_used_bytes", help: "JavaScript heap in use, in bytes.", type: "gauge", samples: [{ labels: {}, value: memory.heapUsed }] },
    ];
    if (monitor !== undefined && monitor.count > 0) {
      // A sample is the timer's interval plus how late it fired: only the lateness is lag.
      const seconds = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS) / 1000;
      families.push({
        name: "switchboard_event_loop_lag_seconds",
        help: "Event-loop delay since the previous scrape: mean, 99th percentile and max.",
        type: "gauge",
        samples: [
          { labels: { stat: "mean" }, value: seconds(monitor.mean) },
          { labels: { stat: "p99" }, value: seconds(monitor.percentile(99)) },
          { labels: { stat: "max" }, value: seconds(monitor.max) },
        ],
      });
      monitor.reset();
    }
    return families;
  };
});
