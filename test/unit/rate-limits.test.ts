/** Token buckets with an injected clock: no sleeping. */
import { describe, expect, it } from "vitest";
import { RateLimiter, telegramLimits } from "../../src/pipeline/rate-limits.ts";
import { backoffMs } from "../../src/util/backoff.ts";

describe("rate limiter", () => {
  it("allows the per-chat burst, then paces at 1/s", () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(telegramLimits, () => now);
    expect([limiter.reserve(5), limiter.reserve(5), limiter.reserve(5)]).toEqual([0, 0, 0]);
    expect(limiter.reserve(5)).toBeGreaterThan(0);
    now += 1000;
    expect(limiter.reserve(5)).toBe(0);
  });

  it("limits a group to 20 per minute", () => {
    let now = 0;
    const limiter = new RateLimiter(telegramLimits, () => now);
    for (let i = 0; i < 20; i++) expect(limiter.reserve(-100123)).toBe(0);
    const wait = limiter.reserve(-100123);
    expect(wait).toBeGreaterThan(2000);
    now += wait;
    expect(limiter.reserve(-100123)).toBe(0);
  });

  it("caps everything at 30/s across chats", () => {
    const now = 0;
    const limiter = new RateLimiter(telegramLimits, () => now);
    for (let i = 0; i < 30; i++) expect(limiter.reserve(i + 1)).toBe(0);
    expect(limiter.reserve(999)).toBeGreaterThan(0);
  });

  it("learns from a 429 retry_after", () => {
    let now = 0;
    const limiter = new RateLimiter(telegramLimits, () => now);
    limiter.pause(5, 3);
    expect(limiter.reserve(5)).toBe(3000);
    expect(limiter.reserve(6)).toBe(0);
    now = 3000;
    expect(limiter.reserve(5)).toBe(0);
  });

  it("backs off exponentially with jitter and a cap", () => {
    expect(backoffMs(1, 30_000, () => 0.5)).toBe(500);
    expect(backoffMs(3, 30_000, () => 0.5)).toBe(2000);
    expect(backoffMs(20, 30_000, () => 0.5)).toBe(30_000);
    expect(backoffMs(1, 30_000, () => 0)).toBe(250);
  });
});
