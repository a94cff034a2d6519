/**
 * Each chart's data as CSV (`GET /api/analytics/<chart>.csv`), written with the `/export`
 * plugin's RFC 4180 helper (byte order mark, quoting, formula defusing).
 */
import { bom, csvRecord } from "../../../plugins/export/csv.ts";
import type { AnalyticsView } from "./view.ts";

type Cell = string | number | null | undefined;

const weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/** Per chart: the header and the rows. */
const tables: Record<string, (v: AnalyticsView) => Cell[][]> = {
  messages: (v) => [["day", "in", "out", "intercepted"], ...v.days.map((d) => [d.day, d.in, d.out, d.intercepted])],
  dialogs: (v) => [["day", "new", "reopened", "closed"], ...v.days.map((d) => [d.day, d.created, d.reopened, d.closed])],
  delivery: (v) => [["day", "retries", "rate_limited_429", "failed"], ...v.days.map((d) => [d.day, d.retries, d.rateLimited, d.failed])],
  heatmap: (v) => [["weekday (UTC)", ...Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, "0")}:00`)], ...v.heatmap.map((hours, i) => [weekdays[i], ...hours])],
  operators: (v) => [
    ["operator", "messages", "dialogs_answered", "dialogs_closed", "median_first_response_seconds"],
    ...v.operators.map((o) => [o.actor, o.messages, o.answered, o.closed, o.medianFirstResponseMs === null ? null : o.medianFirstResponseMs / 1000]),
  ],
  backlog: (v) => [
    ["bot", "chat_id", "user", "topic_id", "topic_link", "waiting_since", "wait_seconds"],
    ...v.backlog.map((b) => [b.bot, b.chatId, b.name, b.topicId, b.link, new Date(b.waitingSince).toISOString(), Math.round(b.waitMs / 1000)]),
  ],
};

/** The charts that have a CSV. */
export const csvCharts = Object.keys(tables);

/** The CSV of `chart`, or undefined for no such chart. */
export function chartCsv(chart: string, view: AnalyticsView): string | undefined {
  if (!Object.hasOwn(tables, chart)) return undefined;
  const table = tables[chart];
  return bom + table(view).map(csvRecord).join("");
}
