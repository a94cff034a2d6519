/**
 * Seeded randomness for randomised tests: the seed is printed, and the same seed replays the same
 * choices (timing on a real clock still varies from run to run).
 */

/** A random source: `next()` in [0, 1), plus the helpers tests use. */
export interface Random {
  readonly seed: number;
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/** The seed from `env` (e.g. KILL_SEED=123), or a fresh one. */
export function seedFrom(value: string | undefined): number {
  const parsed = value === undefined ? NaN : Number(value);
  return Number.isInteger(parsed) ? parsed >>> 0 : Math.floor(Math.random() * 2 ** 31);
}

/** mulberry32: small, fast and good enough to pick kill points and faults. */
export function seeded(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
  };
}
