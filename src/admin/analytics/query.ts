/**
 * What the analytics page asks for, read from its query string: `bot` (a bot's id, or `all` /
 * absent for every bot) and the period — `period=today|7d|30d` (ending now, as `/stats` has
 * them), or `from=YYYY-MM-DD&to=YYYY-MM-DD` (whole UTC days, both included). Wrong values get a
 * message that says what is expected.
 */
import { periods } from "../../../plugins/stats/periods.ts";
import { dayOf, type Period } from "../../store/analytics.ts";
import { MAX_REPORT_DAYS } from "../../store/analytics-report.ts";

const dayMs = 86_400_000;

/** A read query. */
export interface ReportQuery {
  /** The bot asked for, or `all`. */
  bot: string;
  /** The bots it covers. */
  botIds: readonly string[];
  /** `today`, `7d`, `30d` or `custom`. */
  name: string;
  label: string;
  period: Period;
}

/** A `YYYY-MM-DD` as the UTC midnight it starts, or undefined if it is no such day. */
function midnight(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(ms) || dayOf(ms) !== text ? undefined : ms;
}

/** Reads `search` against the configured `botIds` at `now`; a string is what is wrong. */
export function readReportQuery(search: URLSearchParams, botIds: readonly string[], now: number): ReportQuery | string {
  const bot = search.get("bot") || "all";
  if (bot !== "all" && !botIds.includes(bot)) return `bot: no bot "${bot}" in the config (${botIds.join(", ")}, or all)`;
  const bots = bot === "all" ? botIds : [bot];
  const fromText = search.get("from");
  const toText = search.get("to");
  const name = search.get("period") || (fromText || toText ? "custom" : "7d");
  if (name !== "custom") {
    const named = Object.hasOwn(periods, name) ? periods[name] : undefined;
    if (!named) return `period: expected today, 7d, 30d or custom (with from and to), got "${name}"`;
    return { bot, botIds: bots, name, label: named.label, period: { from: named.from(now), to: now + 1 } };
  }
  const from = midnight(fromText ?? "");
  const to = midnight(toText ?? "");
  if (from === undefined) return `from: expected a day as YYYY-MM-DD, got "${fromText ?? ""}"`;
  if (to === undefined) return `to: expected a day as YYYY-MM-DD, got "${toText ?? ""}"`;
  if (to < from) return `to (${toText}) is before from (${fromText})`;
  const days = (to - from) / dayMs + 1;
  if (days > MAX_REPORT_DAYS) return `from … to spans ${days} days; at most ${MAX_REPORT_DAYS}`;
  return { bot, botIds: bots, name, label: `${fromText} – ${toText} (UTC)`, period: { from, to: to + dayMs } };
}
