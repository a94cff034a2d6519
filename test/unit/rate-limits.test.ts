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

describe("the bot's overall window", () => {
  it("never lets more than 30 arrive in any second, even when a late sender catches up", () => {
    let now = 0;
    const limiter = new RateLimiter(telegramLimits, now);
    for (let i = 0; i < 30; i++) {
      expect(limiter.reserve(i + 1, now)).toBe(0);
      limiter.settled(i + 1, now + 5);
    }
    // Half a second on, a bucket would have refilled 15: a window has nothing until the first answer + 1 s.
    now = 500;
    const wait = limiter.reserve(100, now);
    expect(wait).toBe(505);
    now += wait;
    for (let i = 0; i < 30; i++) expect(limiter.reserve(200 + i, now)).toBe(0);
    expect(limiter.reserve(300, now)).toBeGreaterThan(0);
  });

  it("holds a slot from the send until a second after its answer: a send in flight keeps it", () => {
    let now = 0;
    const limiter = new RateLimiter(telegramLimits, now);
    for (let i = 0; i < 30; i++) expect(limiter.reserve(i + 1, now)).toBe(0);
    // None answered yet: after a second and a half the window is still full.
    now = 1500;
    expect(limiter.reserve(100, now)).toBe(1000);
    // Chat 1's send is answered now: its slot frees one second later, not before.
    limiter.settled(1, now);
    now = 2499;
    expect(limiter.reserve(100, now)).toBeGreaterThan(0);
    now = 2500;
    expect(limiter.reserve(100, now)).toBe(0);
  });

  it("counts each message of a chain or an album", () => {
    const now = 0;
    const limiter = new RateLimiter(telegramLimits, now);
    expect(limiter.reserve(1, now, { count: 10 })).toBe(0);
    expect(limiter.reserve(2, now, { count: 10 })).toBe(0);
    expect(limiter.reserve(3, now, { count: 10 })).toBe(0);
    expect(limiter.reserve(4, now)).toBeGreaterThan(0);
  });

  it("leaves a waiting background sender its third of the window; relaying has the rest", () => {
    let now = 0;
    const limiter = new RateLimiter(telegramLimits, now);
    // Relaying alone may fill the window.
    for (let i = 0; i < 30; i++) {
      expect(limiter.reserve(i + 1, now)).toBe(0);
      limiter.settled(i + 1, now);
    }
    // A broadcast asks while it is full: it now waits, and is owed 10 of the next second's 30.
    expect(limiter.reserve(500, now, { background: true })).toBeGreaterThan(0);
    now = 1000;
    for (let i = 0; i < 20; i++) expect(limiter.reserve(100 + i, now)).toBe(0);
    expect(limiter.reserve(200, now)).toBeGreaterThan(0);
    for (let i = 0; i < 10; i++) expect(limiter.reserve(500 + i, now, { background: true })).toBe(0);
    expect(limiter.backgroundShare(now)).toEqual({ used: 10, share: 10 });
    // With its share taken, relaying is not held back any more; the window itself is full now.
    expect(limiter.reserve(201, now)).toBeGreaterThan(0);
    expect(limiter.reserve(501, now, { background: true })).toBeGreaterThan(0);
  });
});
