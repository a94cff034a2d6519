/**
 * Event-loop lag, measured the same way on Node and Deno: a timer due every 20 ms notes how late
 * it fired. Not `monitorEventLoopDelay` (node:perf_hooks): Deno's version of it is erratic —
 * measured with Deno 2.9, a 200 ms block inside a timer callback read as 25 ms, and its samples
 * leave out the interval where Node's include it. A late timer is exactly what a busy loop does
 * to Switchboard's own timers, and costs one callback per 20 ms. A raw runtime timer on purpose,
 * hence here under platform/: it measures the runtime's own lateness, which Effect's Clock (and a
 * TestClock) cannot stand in for.
 */
import { performance } from "node:perf_hooks";

/** The sampling interval. */
export const LAG_RESOLUTION_MS = 20;
/** Samples kept for the percentile: a 15 s scrape interval needs 750. */
const MAX_SAMPLES = 4096;

/** Lag since the window began, in milliseconds. */
export interface LagWindow {
  readonly count: number;
  readonly meanMs: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** A running sampler: read a window (which starts the next one), stop. */
export interface LagSampler {
  /** The lag since the previous call (or the start); undefined when no timer fired yet. */
  window(): LagWindow | undefined;
  stop(): void;
}

/** Starts sampling. */
export function startLagSampler(): LagSampler {
  let samples: number[] = [];
  let count = 0;
  let sum = 0;
  let max = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    const due = performance.now() + LAG_RESOLUTION_MS;
    timer = setTimeout(() => {
      const lag = Math.max(0, performance.now() - due);
      count += 1;
      sum += lag;
      if (lag > max) max = lag;
      if (samples.length < MAX_SAMPLES) samples.push(lag);
      else samples[count % MAX_SAMPLES] = lag;
      arm();
    }, LAG_RESOLUTION_MS);
    // The sampler must not keep a stopping process alive.
    if (typeof timer === "object" && timer !== null && "unref" in timer) timer.unref();
    else (globalThis as { Deno?: { unrefTimer?(id: unknown): void } }).Deno?.unrefTimer?.(timer);
  };
  arm();
  return {
    window: () => {
      if (count === 0) return undefined;
      const sorted = samples.sort((a, b) => a - b);
      const result = { count, meanMs: sum / count, p99Ms: sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)], maxMs: max };
      samples = [];
      count = 0;
      sum = 0;
      max = 0;
      return result;
    },
    stop: () => clearTimeout(timer),
  };
}
