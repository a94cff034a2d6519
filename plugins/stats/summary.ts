/**
 * The text `/stats` answers with: a few lines from the analytics summary (src/store/analytics.ts)
 * of one bot over a period. Pure: the numbers in, the text out.
 */
import type { AnalyticsSummary } from "../../src/mod.ts";

/** "45s", "3m 20s", "2h 5m", "1d 3h": two units at most. */
export function duration(ms: number | null): string {
  if (ms === null) return "—";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m}m` : `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d}d` : `${d}d ${h % 24}h`;
}

/** Who an operator is in text: the name they last wrote under, else their id. */
export const operatorName = (o: { actor: string; name?: string }): string => (o.actor === "api" ? "Topics API" : o.name ?? `operator ${o.actor}`);

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Operators listed at most (the busiest first). */
const maxOperators = 10;

/**
 * The summary of `s` for the period called `label` ("last 7 days"), with the dialogs waiting now
 * and, when the admin listener serves it, the analytics page's `link` (never with the token).
 */
export function summaryText(label: string, s: AnalyticsSummary, unanswered: number, link?: string): string {
  const c = s.counts;
  const lines = [
    `📊 Stats, ${label}`,
    `Dialogs: ${c.dialog_created} new · ${c.dialog_reopened} reopened · ${c.dialog_closed} closed · ${unanswered} waiting now 🟪`,
    `First response: p50 ${duration(s.firstResponse.p50Ms)} · p90 ${duration(s.firstResponse.p90Ms)} (${plural(s.firstResponse.count, "dialog")})`,
    `Resolution: median ${duration(s.resolution.medianMs)} (${plural(s.resolution.count, "dialog")})`,
    `Messages: ${c.message_in} in · ${c.message_out} out · ${c.message_intercepted} intercepted`,
    `Delivery: ${plural(c.delivery_retry, "retry", "retries")} · ${c.rate_limited} × 429 · ${c.delivery_failed} failed`,
  ];
  if (s.operators.length > 0) {
    lines.push("Operators:");
    for (const o of s.operators.slice(0, maxOperators)) {
      lines.push(`• ${operatorName(o)}: ${plural(o.messages, "message")}, ${o.answered} answered, ${o.closed} closed, median first response ${duration(o.medianFirstResponseMs)}`);
    }
    if (s.operators.length > maxOperators) lines.push(`… and ${s.operators.length - maxOperators} more`);
  }
  if (s.perDay.length > 1) {
    lines.push("Per day (in / out / intercepted):");
    for (const d of s.perDay) lines.push(`${d.day}: ${d.in} / ${d.out} / ${d.intercepted}`);
  }
  if (link !== undefined) lines.push(`📈 Charts: ${link}`);
  return lines.join("\n");
}
