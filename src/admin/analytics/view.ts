/**
 * The JSON the analytics page draws: the report of the asked bots and period (store/
 * analytics-report.ts) with what the page cannot work out itself — the users' names, the topic
 * links (`https://t.me/c/<group>/<thread>`), how long each 🟪 dialog has waited now.
 */
import { topicLink } from "../../../plugins/labels/general.ts";
import { duration, operatorName } from "../../../plugins/stats/summary.ts";
import type { BotConfig } from "../../config/mod.ts";
import type { UserProfile } from "../../conversation/events.ts";
import { displayName } from "../../conversation/title.ts";
import type { AnalyticsReport, ReportDay } from "../../store/analytics-report.ts";
import type { OperatorLoad } from "../../store/analytics.ts";
import type { ReportQuery } from "./query.ts";

/** A 🟪 dialog as the page lists it. */
export interface BacklogRow {
  bot: string;
  chatId: number;
  name: string;
  topicId: number | null;
  /** The topic in Telegram, when it has one. */
  link: string | null;
  waitingSince: number;
  waitMs: number;
  /** The wait as `/stats` writes durations ("3m 20s"). */
  wait: string;
}

/** An operator's load, with the median as text. */
export interface OperatorRow extends OperatorLoad {
  /** "operator 123" or "Topics API". */
  name: string;
  medianFirstResponse: string;
}

/** What `GET /api/analytics` answers. */
export interface AnalyticsView {
  bots: string[];
  bot: string;
  period: { name: string; label: string; from: number; to: number };
  now: number;
  /** The figures of the tiles. */
  kpis: {
    dialogsNew: number;
    dialogsReopened: number;
    dialogsClosed: number;
    /** 🟪 dialogs now. */
    unanswered: number;
    oldestWaitMs: number | null;
    firstResponseP50Ms: number | null;
    firstResponseP90Ms: number | null;
    firstResponseCount: number;
    resolutionMedianMs: number | null;
    resolutionCount: number;
    messagesIn: number;
    messagesOut: number;
    messagesIntercepted: number;
    retries: number;
    rateLimited: number;
    failed: number;
  };
  /** The durations of the tiles as `/stats` writes them ("—" for none). */
  durations: { oldestWait: string; firstResponseP50: string; firstResponseP90: string; resolutionMedian: string };
  days: ReportDay[];
  heatmap: number[][];
  operators: OperatorRow[];
  backlog: BacklogRow[];
}

/** The user of a conversation row, by name (rows are written by the core, so a profile). */
const nameOf = (user: unknown, chatId: number): string =>
  user !== null && typeof user === "object" && "firstName" in user ? displayName(user as UserProfile) : String(chatId);

/** The view of `report` for `query`, at `now`. */
export function analyticsView(report: AnalyticsReport, query: ReportQuery, bots: readonly BotConfig[], now: number): AnalyticsView {
  const { counts, firstResponse, resolution, operators } = report.summary;
  const groupOf = new Map(bots.map((b) => [b.id, b.group]));
  const backlog = report.backlog.map((b): BacklogRow => {
    const group = groupOf.get(b.botId);
    return {
      bot: b.botId,
      chatId: b.chatId,
      name: nameOf(b.user, b.chatId),
      topicId: b.topicId,
      link: b.topicId === null || group === undefined ? null : topicLink(group, b.topicId),
      waitingSince: b.waitingSince,
      waitMs: Math.max(0, now - b.waitingSince),
      wait: duration(Math.max(0, now - b.waitingSince)),
    };
  });
  return {
    bots: bots.map((b) => b.id),
    bot: query.bot,
    period: { name: query.name, label: query.label, from: query.period.from, to: query.period.to },
    now,
    kpis: {
      dialogsNew: counts.dialog_created,
      dialogsReopened: counts.dialog_reopened,
      dialogsClosed: counts.dialog_closed,
      unanswered: backlog.length,
      oldestWaitMs: backlog[0]?.waitMs ?? null,
      firstResponseP50Ms: firstResponse.p50Ms,
      firstResponseP90Ms: firstResponse.p90Ms,
      firstResponseCount: firstResponse.count,
      resolutionMedianMs: resolution.medianMs,
      resolutionCount: resolution.count,
      messagesIn: counts.message_in,
      messagesOut: counts.message_out,
      messagesIntercepted: counts.message_intercepted,
      retries: counts.delivery_retry,
      rateLimited: counts.rate_limited,
      failed: counts.delivery_failed,
    },
    durations: {
      oldestWait: duration(backlog[0]?.waitMs ?? null),
      firstResponseP50: duration(firstResponse.p50Ms),
      firstResponseP90: duration(firstResponse.p90Ms),
      resolutionMedian: duration(resolution.medianMs),
    },
    days: report.days,
    heatmap: report.heatmap,
    operators: operators.map((o) => ({ ...o, name: operatorName(o), medianFirstResponse: duration(o.medianFirstResponseMs) })),
    backlog,
  };
}
