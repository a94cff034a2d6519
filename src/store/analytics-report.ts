/**
 * The analytics page's report (issue 14): what {@link summarize} gives `/stats`, plus what only a
 * page can show — every day of the period with its dialogs, messages and delivery problems, the
 * weekday × hour heat map of incoming messages, and the backlog now with how long each 🟪 dialog
 * has waited. Days and hours are UTC, like `/stats today`.
 *
 * Dialect-neutral SQL only (integer division and `%` on the `at` column), so SQLite and
 * PostgreSQL answer alike.
 */
import { sql } from "kysely";
import { type AnalyticsSummary, countRows, dayOf, type Period, summarize, waitingDialogs } from "./analytics.ts";
import type { Db } from "./schema.ts";

const dayMs = 86_400_000;
const hourMs = 3_600_000;
/** The longest custom period a report covers, in days (the page draws one point per day). */
export const MAX_REPORT_DAYS = 400;

/** One UTC day of the period, every figure the page charts per day. */
export interface ReportDay {
  day: string;
  /** Messages: users' in, operators' out, intercepted by plugins. */
  in: number;
  out: number;
  intercepted: number;
  /** Dialogs. */
  created: number;
  reopened: number;
  closed: number;
  /** Delivery problems. */
  retries: number;
  rateLimited: number;
  failed: number;
}

/** A 🟪 dialog waiting now. */
export interface BacklogItem {
  botId: string;
  chatId: number;
  topicId: number | null;
  /** The user as the conversation row keeps it. */
  user: unknown;
  /** Since when the user waits: their first message after the operators' last answer, ms. */
  waitingSince: number;
}

/** The report of a period. */
export interface AnalyticsReport {
  summary: AnalyticsSummary;
  /** Every UTC day from the period's first to its last, zeros included (charts need the gaps). */
  days: ReportDay[];
  /** `heatmap[weekday][hour]`: incoming messages, weekday 0 = Monday, UTC; detail rows only. */
  heatmap: number[][];
  /** 🟪 dialogs now, the longest waiting first. */
  backlog: BacklogItem[];
}

const emptyDay = (day: string): ReportDay => ({ day, in: 0, out: 0, intercepted: 0, created: 0, reopened: 0, closed: 0, retries: 0, rateLimited: 0, failed: 0 });

/** Which figure of a day each kind adds to. */
const dayField: Partial<Record<string, keyof Omit<ReportDay, "day">>> = {
  message_in: "in", message_out: "out", message_intercepted: "intercepted",
  dialog_created: "created", dialog_reopened: "reopened", dialog_closed: "closed",
  delivery_retry: "retries", rate_limited: "rateLimited", delivery_failed: "failed",
};

/** Every day of `period` with its counts. */
export async function reportDays(db: Db, botIds: readonly string[], period: Period): Promise<ReportDay[]> {
  const days = new Map<string, ReportDay>();
  for (let t = Math.floor(period.from / dayMs) * dayMs; t < period.to; t += dayMs) days.set(dayOf(t), emptyDay(dayOf(t)));
  for (const r of await countRows(db, botIds, period)) {
    const field = dayField[r.kind];
    const day = days.get(r.day) ?? days.set(r.day, emptyDay(r.day)).get(r.day)!;
    if (field) day[field] += r.count;
  }
  return [...days.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
}

/**
 * Incoming messages by UTC weekday (0 = Monday) and hour. Folded days have no hours left, so
 * only detail rows count (all of the default 90 days' retention).
 */
export async function incomingHeatmap(db: Db, botIds: readonly string[], period: Period): Promise<number[][]> {
  const grid = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  if (botIds.length === 0) return grid;
  // 1970-01-01 was a Thursday: day number + 3, mod 7, is 0 on Mondays.
  const weekday = sql<number>`(at / ${sql.lit(dayMs)} + 3) % 7`;
  const hour = sql<number>`(at % ${sql.lit(dayMs)}) / ${sql.lit(hourMs)}`;
  const rows = await db
    .selectFrom("analytics_events")
    .select([weekday.as("weekday"), hour.as("hour"), (eb) => eb.fn.countAll<number>().as("count")])
    .where("bot_id", "in", botIds)
    .where("kind", "=", "message_in")
    .where("at", ">=", period.from)
    .where("at", "<", period.to)
    .groupBy([weekday, hour])
    .execute();
  for (const r of rows) grid[Number(r.weekday)][Number(r.hour)] += Number(r.count);
  return grid;
}

/** Chat ids per query, far below both engines' limits on bound parameters. */
const chunk = 500;

/**
 * The 🟪 dialogs now, each with when its wait began: the first user message after the
 * operators' last answer, read from the detail rows. A dialog whose messages were folded
 * already falls back to when its conversation last changed (a wait at least that long).
 */
export async function backlogNow(db: Db, botIds: readonly string[]): Promise<BacklogItem[]> {
  const waiting = await waitingDialogs(db, botIds);
  const since = new Map<string, number>();
  const lastOut = new Map<string, number>();
  const key = (bot: string, chat: number) => `${bot}\n${chat}`;
  for (let i = 0; i < waiting.length; i += chunk) {
    const chats = [...new Set(waiting.slice(i, i + chunk).map((w) => w.chatId))];
    const rows = await db
      .selectFrom("analytics_events")
      .select(["bot_id", "chat_id", "kind", "at"])
      .where("bot_id", "in", botIds)
      .where("chat_id", "in", chats)
      .where("kind", "in", ["message_in", "message_out"])
      .orderBy("at")
      .execute();
    for (const r of rows) {
      const k = key(r.bot_id, Number(r.chat_id));
      if (r.kind === "message_out") {
        lastOut.set(k, Number(r.at));
        since.delete(k);
      } else if (!since.has(k)) since.set(k, Number(r.at));
    }
  }
  return waiting
    .map((w) => ({ botId: w.botId, chatId: w.chatId, topicId: w.topicId, user: w.user, waitingSince: since.get(key(w.botId, w.chatId)) ?? w.updatedAt }))
    .sort((a, b) => a.waitingSince - b.waitingSince || a.chatId - b.chatId);
}

/** The whole report of `botIds` over `period`. */
export async function analyticsReport(db: Db, botIds: readonly string[], period: Period): Promise<AnalyticsReport> {
  // One after another: a SQLite store has one connection, and this is not a hot path.
  const summary = await summarize(db, botIds, period);
  const days = await reportDays(db, botIds, period);
  const heatmap = await incomingHeatmap(db, botIds, period);
  return { summary, days, heatmap, backlog: await backlogNow(db, botIds) };
}
