/** The named periods `/stats` and the analytics page offer; each ends now. */

const dayMs = 86_400_000;

/** A named period: its label and where it starts, given now (ms). */
export interface NamedPeriod {
  label: string;
  from: (now: number) => number;
}

/** `today` (since UTC midnight), `7d` and `30d` (the last 7 or 30 times 24 hours). */
export const periods: Record<string, NamedPeriod> = {
  today: { label: "today (UTC)", from: (now) => Math.floor(now / dayMs) * dayMs },
  "7d": { label: "last 7 days", from: (now) => now - 7 * dayMs },
  "30d": { label: "last 30 days", from: (now) => now - 30 * dayMs },
};
