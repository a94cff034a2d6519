/**
 * The event-loop lag gauge on the runtime running the test (run on Node and on Deno): a block of
 * 200 ms must read as at least 180 ms of lag — the timer fires at most one interval (20 ms) after
 * the block began, so its lateness is never less. Noise can only add lag, never take it away.
 * (With `monitorEventLoopDelay`, which the gauge used before, this failed on Deno: 7 µs.)
 */
import * as Effect from "effect/Effect";
import * as Scope from "effect/Scope";
import * as Exit from "effect/Exit";
import { expect, it } from "vitest";
import { makeProcessGauges } from "../../src/admin/process-gauges.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it("reports a blocked event loop as lag, on this runtime", async () => {
  const scope = Effect.runSync(Scope.make());
  try {
    const read = await Effect.runPromise(Scope.extend(makeProcessGauges, scope));
    await sleep(100);
    read(); // starts a fresh window
    await sleep(60);
    const started = performance.now();
    while (performance.now() - started < 200) { /* the loop is blocked */ }
    await sleep(60);
    const families = read();
    const lag = families.find((f) => f.name === "switchboard_event_loop_lag_seconds");
    expect(lag, "the lag family").toBeDefined();
    const max = lag!.samples.find((s) => s.labels.stat === "max")!.value;
    expect(max).toBeGreaterThanOrEqual(0.18);
    expect(families.find((f) => f.name === "process_resident_memory_bytes")!.samples[0].value).toBeGreaterThan(0);
  } finally {
    await Effect.runPromise(Scope.close(scope, Exit.void));
  }
});
