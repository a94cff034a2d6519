/**
 * Telegram's sending limits: per group and per private chat as token buckets, overall as a
 * sliding window of the bot's sends (`SendWindow`, the way Telegram counts it, so a late sender
 * may catch up without a 429). Calls wait for a slot instead of provoking a 429; a 429 that still
 * happens pauses the chat (and, for `global`, everything) for `retry_after`, which is how the
 * limiter learns.
 */
import { type RateLimits, TELEGRAM_LIMITS } from "../config/mod.ts";
import { SendWindow } from "./send-window.ts";

/** Rates as (tokens per second, burst). `null` switches a bucket off. */
export interface RateLimitConfig {
  global: { perSecond: number; burst: number } | null;
  group: { perSecond: number; burst: number } | null;
  privateChat: { perSecond: number; burst: number } | null;
}

/** Converts the config's `limits` into buckets (bursts as Telegram tolerates them). */
export function limitsFromConfig(l: RateLimits): RateLimitConfig {
  return {
    global: l.globalPerSecond === null ? null : { perSecond: l.globalPerSecond, burst: Math.max(1, Math.round(l.globalPerSecond)) },
    group: l.groupPerMinute === null ? null : { perSecond: l.groupPerMinute / 60, burst: Math.max(1, Math.round(l.groupPerMinute)) },
    privateChat: l.privatePerSecond === null ? null : { perSecond: l.privatePerSecond, burst: Math.max(1, Math.round(l.privatePerSecond * 3)) },
  };
}

/** Telegram's documented limits: ~30/s overall, 20/min per group, ~1/s per private chat. */
export const telegramLimits: RateLimitConfig = limitsFromConfig(TELEGRAM_LIMITS);

/** No proactive pacing at all (benchmarks against an emulator with limits off). */
export const noLimits: RateLimitConfig = { global: null, group: null, privateChat: null };

class Bucket {
  tokens: number;
  updatedAt: number;
  pausedUntil = 0;
  readonly rate: number;
  readonly burst: number;
  constructor(rate: number, burst: number, now: number) {
    this.rate = rate;
    this.burst = burst;
    this.tokens = burst;
    this.updatedAt = now;
  }
  /** Milliseconds until a token is free (0 = take it now). Takes the token when it returns 0. */
  take(now: number): number {
    if (now < this.pausedUntil) return this.pausedUntil - now;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.rate);
    this.updatedAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    // A 5% margin: Telegram counts arrivals, we count departures, and the network jitters.
    return Math.ceil(((1 - this.tokens) / this.rate) * 1000 * 1.05);
  }
}

/**
 * See the module comment. One per bot. It keeps no clock of its own: callers pass the Clock's
 * `now`, so a test clock moves the buckets too.
 */
export class RateLimiter {
  readonly #config: RateLimitConfig;
  readonly #chats = new Map<number, Bucket>();
  #global: SendWindow | undefined;
  #globalPausedUntil = 0;

  constructor(config: RateLimitConfig, _now: number) {
    this.#config = config;
    // `burst` sends per the time `perSecond` takes to refill them: 30 per second for Telegram's.
    this.#global = config.global ? new SendWindow(config.global.burst, (config.global.burst / config.global.perSecond) * 1000) : undefined;
  }

  /**
   * Milliseconds to wait before sending to `chatId`; 0 means a token was taken and the call
   * may go now. Callers sleep and ask again, so waiting never holds a lock, and call `settled`
   * once the call is answered (the overall slot frees a window after that). `overall: false`
   * takes only the chat's token (paid broadcasts); `count`: the messages the call makes (a
   * copied chain, an album), each one counted overall; `background`: a broadcast's send, which
   * is owed its share of the overall window (see `SendWindow`).
   */
  reserve(chatId: number, now: number, o: { overall?: boolean; count?: number; background?: boolean } = {}): number {
    if (now < this.#globalPausedUntil) return this.#globalPausedUntil - now;
    const chat = this.#bucketOf(chatId, now);
    const chatWait = chat ? chat.take(now) : 0;
    if (chatWait > 0) return chatWait;
    // `overall: false`: a paid broadcast, under Telegram's own higher limit, takes no overall slot.
    const globalWait = this.#global && o.overall !== false ? this.#global.reserve(chatId, now, o) : 0;
    if (globalWait > 0 && chat) chat.tokens += 1; // give the chat token back: nothing was sent
    return globalWait;
  }

  /** Messages of background work (broadcasts) in the overall window now, and their guaranteed share. */
  backgroundShare(now: number): { used: number; share: number } {
    return this.#global ? { used: this.#global.backgroundUsed(now), share: this.#global.backgroundShare } : { used: 0, share: 0 };
  }

  /**
   * A call to `chatId` was answered at `now`. Telegram counts arrivals, and the answer follows
   * the arrival, so the chat's refill restarts from here: a send held up on the way can never
   * bring the next one closer to it than the rate allows. (Only the flight time's refill is
   * given up.)
   */
  settled(chatId: number, now: number): void {
    const bucket = this.#chats.get(chatId);
    if (bucket && now > bucket.updatedAt) bucket.updatedAt = now;
    this.#global?.settled(chatId, now);
  }

  /** Learns from a 429: nothing goes to that chat for `seconds`. */
  pause(chatId: number, seconds: number, now: number): void {
    const until = now + seconds * 1000;
    const bucket = this.#bucketOf(chatId, now);
    if (bucket) bucket.pausedUntil = Math.max(bucket.pausedUntil, until);
    else this.#globalPausedUntil = Math.max(this.#globalPausedUntil, until);
  }

  #bucketOf(chatId: number, now: number): Bucket | undefined {
    const config = chatId < 0 ? this.#config.group : this.#config.privateChat;
    let bucket = this.#chats.get(chatId);
    if (!bucket) {
      // Even with pacing off, a bucket holds 429 pauses; an "unlimited" one never runs dry.
      bucket = config ? new Bucket(config.perSecond, config.burst, now) : new Bucket(1e9, 1e9, now);
      this.#chats.set(chatId, bucket);
      if (this.#chats.size > 50_000) this.#chats.delete(this.#chats.keys().next().value!);
    }
    return bucket;
  }
}
