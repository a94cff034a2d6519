/**
 * A bot's overall sending limit as Telegram counts it: at most `max` messages *arriving* in any
 * sliding window of `windowMs`. A token bucket (what the per-chat limits use) lets a full burst
 * follow a full second and provokes 429s when a late sender catches up; a window of the sends
 * themselves never does, so a sender may catch up freely inside it.
 *
 * Telegram counts arrivals, the bot knows departures (`reserve`) and answers (`settled`): a send
 * arrived somewhere between the two. A slot is therefore held from the reservation until one
 * window after the answer, which is exact whatever the network's jitter (an arrival can never be
 * later than its answer), at the price of one flight time per window.
 *
 * Background work (broadcasts) is guaranteed a share of the window: while it waits for a slot and
 * has fewer than `backgroundShare` sends in the window, relaying leaves that many slots to it.
 * Above the share relaying keeps its priority (the background sender yields to it).
 *
 * No clock of its own: callers pass the Clock's `now`.
 */

/** One reserved send (`count` messages: a copied chain or an album counts each). */
interface Slot {
  readonly chatId: number;
  readonly at: number;
  readonly count: number;
  readonly background: boolean;
  /** When its answer came; undefined while it is in flight. */
  end: number | undefined;
}

/** A send never answered (a caller that reserved and then did not send) stops counting after this. */
const maxFlightMs = 10_000;
/** How soon relaying looks again when only the background's held share is in its way. */
const heldPollMs = 10;

/** See the module comment. */
export class SendWindow {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #backgroundShare: number;
  #slots: Slot[] = [];
  /** When background work was last refused a slot (it is owed its share). */
  #backgroundWaitingAt = Number.NEGATIVE_INFINITY;

  constructor(max: number, windowMs: number, backgroundShare = Math.floor(max / 3)) {
    this.#max = Math.max(1, Math.floor(max));
    this.#windowMs = windowMs;
    this.#backgroundShare = Math.min(this.#max, Math.max(0, Math.floor(backgroundShare)));
  }

  /**
   * Milliseconds until `count` messages fit (0 = the slot is taken: send now). Relaying leaves
   * the background's unused share free while the background waits.
   */
  reserve(chatId: number, now: number, o: { count?: number; background?: boolean } = {}): number {
    const wait = this.waitFor(now, o);
    if (wait === 0) {
      const count = Math.min(this.#max, Math.max(1, o.count ?? 1));
      this.#slots.push({ chatId, at: now, count, background: o.background === true, end: undefined });
      if (o.background) this.#backgroundWaitingAt = Number.NEGATIVE_INFINITY;
    } else if (o.background) {
      this.#backgroundWaitingAt = now;
    }
    return wait;
  }

  /** What `reserve` would answer, without taking a slot or counting as waiting. */
  waitFor(now: number, o: { count?: number; background?: boolean } = {}): number {
    const count = Math.min(this.#max, Math.max(1, o.count ?? 1));
    const background = o.background === true;
    const live = this.#live(now);
    const used = live.reduce((n, s) => n + s.count, 0);
    let held = 0;
    // A refused background sender asks again within a window (when a slot frees): until then,
    // and one more window in case it gave up, it is owed its share.
    if (!background && now - this.#backgroundWaitingAt < 2 * this.#windowMs) {
      const backgroundUsed = live.reduce((n, s) => n + (s.background ? s.count : 0), 0);
      held = Math.max(0, this.#backgroundShare - backgroundUsed);
    }
    const excess = used + held + count - this.#max;
    if (excess <= 0) return 0;
    // The wait is until enough slots have expired. One still in flight frees a window after its
    // answer at the soonest: asked about again then.
    const frees = live.map((s) => ({ at: s.end === undefined ? Math.min(this.#expiry(s), now + this.#windowMs) : this.#expiry(s), count: s.count }))
      .sort((a, b) => a.at - b.at);
    let freed = 0;
    for (const f of frees) {
      freed += f.count;
      if (freed >= excess) return Math.max(1, f.at - now);
    }
    // Only the held share is in the way, and it frees when the background takes or gives it up.
    return heldPollMs;
  }

  /** The oldest send in flight to `chatId` was answered at `now`: its slot frees one window later. */
  settled(chatId: number, now: number): void {
    const slot = this.#slots.find((s) => s.chatId === chatId && s.end === undefined);
    if (slot) slot.end = Math.max(now, slot.at);
  }

  /** Messages of background work counted in the window at `now`. */
  backgroundUsed(now: number): number {
    return this.#live(now).reduce((n, s) => n + (s.background ? s.count : 0), 0);
  }

  /** The background's guaranteed share of the window (messages). */
  get backgroundShare(): number {
    return this.#backgroundShare;
  }

  /** Until when a slot counts: one window after its answer (a lost one: after `maxFlightMs`). */
  #expiry(s: Slot): number {
    return (s.end ?? s.at + maxFlightMs) + this.#windowMs;
  }

  /** The slots still counting at `now` (the others are dropped). */
  #live(now: number): Slot[] {
    this.#slots = this.#slots.filter((s) => this.#expiry(s) > now);
    return this.#slots;
  }
}
