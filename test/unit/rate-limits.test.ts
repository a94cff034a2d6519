/** Token buckets read the caller's `now`: no sleeping. */
import { describe, expect, it } from "vitest";
import { RateLimiter, telegramLimits } from "../../src/pipeline/rate-limits.ts";

describe("rate limiter", () => {
  it("allows the per-chat burst, then paces at 1/s", () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(telegramLimits, now);
    expect([limiter.reserve(5, now), limiter.reserve(5, now), limiter.reserve(5, now)]).toEqual([0, 0, 0]);
    expect(limiter.reserve(5, now)).toBeGreaterThan(0);
    now += 1000;
    expect(limiter.reserve(5, now)).toBe(0);
  });

  it("limits a group to 20 per minute", () => {
    let now = 0;
    const limiter = new RateLimiter(telegramLimits, now);
    for (let i = 0; i < 20; i++) expect(limiter.reserve(-100123, now)).toBe(0);
    const wait = limiter.reserve(-100123, now);
    expect(wait).toBeGreaterThan(2000);
    now += wait;
    expect(limiter.reserve(-100123, now)).toBe(0);
  });

  it("caps everything at 30/s across chats", () => {
    const now = 0;
    const limiter = new RateLimiter(telegramLimits, now);
    for (let i = 0; i < 30; i++) expect(limiter.reserve(i + 1, now)).toBe(0);
    expect(limiter.reserve(999, now)).toBeGreaterThan(0);
  });

  it("learns from a 429 retry_after", () => {
    let now = 0;
    const limiter = new RateLimiter(telegramLimits, now);
    limiter.pause(5, 3, now);
    expect(limiter.reserve(5, now)).toBe(3000);
    expect(limiter.reserve(6, now)).toBe(0);
    now = 3000;
    expect(limiter.reserve(5, now)).toBe(0);
  });

  it("counts a paced send from its answer, so a slow one never squeezes the next closer", () => {
    let now = 0;
    const limiter = new RateLimiter(telegramLimits, now);
    for (let i = 0; i < 3; i++) expect(limiter.reserve(5, now)).toBe(0);
    now = 1050;
    expect(limiter.reserve(5, now)).toBe(0);
    // That send took 400 ms to be answered: the next waits a full second from the answer.
    now = 1450;
    limiter.settled(5, now);
    now = 2100;
    expect(limiter.reserve(5, now)).toBeGreaterThan(0);
    now = 2500;
    expect(limiter.reserve(5, now)).toBe(0);
  });
});
