/** Durable retries take their delay from the same backoff schedule as in-memory ones. */
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { backoffDelayMs } from "../../src/util/backoff-schedule.ts";

const base = (attempt: number, cap: number) => Math.min(cap, 500 * 2 ** (attempt - 1));

describe("backoffDelayMs", () => {
  it("doubles from 0.5 s up to the cap, jittered by 0.5–1.5", async () => {
    for (const cap of [30_000, 60_000]) {
      for (const attempt of [1, 2, 3, 4, 6, 8, 12, 40]) {
        for (let i = 0; i < 5; i++) {
          const ms = await Effect.runPromise(backoffDelayMs(attempt, cap));
          expect(ms).toBeGreaterThanOrEqual(Math.floor(base(attempt, cap) * 0.5));
          expect(ms).toBeLessThanOrEqual(Math.ceil(base(attempt, cap) * 1.5));
        }
      }
    }
  });

  it("jitters: many retriers after one outage do not march in step", async () => {
    const delays = new Set(await Promise.all(Array.from({ length: 20 }, () => Effect.runPromise(backoffDelayMs(5)))));
    expect(delays.size).toBeGreaterThan(10);
  });
});
