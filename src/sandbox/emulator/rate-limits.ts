/**
 * Telegram's flood limits, as the emulator enforces them when asked to:
 * - a private chat: about 1 message per second, with a small burst of 3 (token bucket);
 * - a group: 20 messages per minute (sliding window; topic creation counts);
 * - a bot overall: 30 messages per second (sliding window).
 * Over a limit the call is refused with 429 and `retry_after` = whole seconds until a slot frees.
 */

const PRIVATE_BURST = 3;
const PRIVATE_PER_SECOND = 1;
const GROUP_MAX = 20;
const GROUP_WINDOW_MS = 60_000;
const BOT_MAX = 30;
const BOT_WINDOW_MS = 1_000;

interface Bucket {
  tokens: number;
  at: number;
}

/** Flood-limit bookkeeping for all bots and chats. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly windows = new Map<string, number[]>();

  /**
   * Takes `n` message slots for a bot in a chat. Returns 0 when allowed (and records it), else
   * the retry_after in seconds (nothing recorded).
   */
  take(botId: number, kind: "private" | "group", chatKey: string, n: number, now: number): number {
    let waitMs = 0;
    let bucket: Bucket | undefined;
    if (kind === "private") {
      bucket = this.refill(chatKey, now);
      if (bucket.tokens < n) waitMs = Math.max(waitMs, ((n - bucket.tokens) / PRIVATE_PER_SECOND) * 1000);
    } else {
      waitMs = Math.max(waitMs, this.windowWait(chatKey, GROUP_MAX, GROUP_WINDOW_MS, n, now));
    }
    waitMs = Math.max(waitMs, this.windowWait(`bot${botId}`, BOT_MAX, BOT_WINDOW_MS, n, now));
    if (waitMs > 0) return Math.max(1, Math.ceil(waitMs / 1000));
    if (bucket) bucket.tokens -= n;
    else this.record(chatKey, n, now);
    this.record(`bot${botId}`, n, now);
    return 0;
  }

  private refill(key: string, now: number): Bucket {
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: PRIVATE_BURST, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(PRIVATE_BURST, b.tokens + ((now - b.at) / 1000) * PRIVATE_PER_SECOND);
    b.at = now;
    return b;
  }

  // Milliseconds until `n` more events fit into the window (0 = they fit now).
  private windowWait(key: string, max: number, windowMs: number, n: number, now: number): number {
    const log = (this.windows.get(key) ?? []).filter((t) => t > now - windowMs);
    this.windows.set(key, log);
    const excess = log.length + n - max;
    if (excess <= 0) return 0;
    if (n > max) return windowMs; // can never fit at once; tell the caller to wait a full window
    return log[excess - 1] + windowMs - now;
  }

  private record(key: string, n: number, now: number): void {
    const log = this.windows.get(key) ?? [];
    for (let i = 0; i < n; i++) log.push(now);
    this.windows.set(key, log);
  }
}
