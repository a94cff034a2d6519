/** Exponential backoff with full jitter, so many lanes retrying after one outage do not march in step. */

/** Delay before retry number `attempt` (1-based): 0.5 s doubling up to `capMs`, times a random 0.5–1.5. */
export function backoffMs(attempt: number, capMs = 30_000, random: () => number = Math.random): number {
  const base = Math.min(capMs, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.5 + random()));
}
