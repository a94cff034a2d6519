/**
 * Analytics rows (issue 14): what happened, recorded by the commit that made it happen (the
 * stepper's, delivery's), so there is no second source of truth to drift. Detail rows older than
 * the retention period are folded into per-day totals and deleted; the queries read both.
 *
 * Percentiles need the single values, so they come from detail rows only: with the default 90
 * days of retention, every period the summaries offer (today, 7 and 30 days) is still in detail.
 */
import { sql } from "kysely";
import { operatorNames } from "./operator-names.ts";
import { inBatches, prepare } from "./prepared.ts";
import type { Db } from "./schema.ts";

/** What is counted. */
export const analyticsKinds = [
  "dialog_created", "dialog_reopened", "dialog_closed",
  "message_in", "message_out", "message_intercepted",
  /** Per dialog: ms from opening to the operators' first answer (actor: who answered). */
  "first_response",
  /** Per dialog: ms from opening to closing (actor: who closed it). */
  "resolution",
  "delivery_retry", "rate_limited", "delivery_failed",
] as const;

/** One of {@link analyticsKinds}. */
export type AnalyticsKind = (typeof analyticsKinds)[number];

/** One thing to count, before it is written. */
export interface AnalyticsEvent {
  chatId: number;
  kind: AnalyticsKind;
  /** An operator's id, `api`, `autoclose`, `user`, a plugin, or an intent type; `""` for nobody in particular. */
  actor: string;
  at: number;
  /** A duration in ms, for first_response and resolution. */
  value?: number;
}

// Compiled once per batch size (prepared.ts): building and compiling the insert anew in every
// commit cost more than running it.
const insertEvents = prepare<{ bot: string; chats: readonly number[]; kinds: readonly string[]; actors: readonly string[]; ats: readonly number[]; values: readonly (number | null)[] }>()((db, p, n) =>
  db.insertInto("analytics_events").values(Array.from({ length: n }, (_, i) => ({
    bot_id: p("bot"), chat_id: p("chats", i), kind: p("kinds", i), actor: p("actors", i), at: p("ats", i), value: p("values", i),
  })))
);

/**
 * Writes `events` with one multi-row insert per 100 (the hot path runs this in every commit
 * that has any), inside the caller's transaction.
 */
export async function recordEvents(tx: Db, botId: string, events: readonly AnalyticsEvent[]): Promise<void> {
  await inBatches(events, (batch) =>
    insertEvents.run(tx, {
      bot: botId, chats: batch.map((e) => e.chatId), kinds: batch.map((e) => e.kind), actors: batch.map((e) => e.actor),
      ats: batch.map((e) => e.at), values: batch.map((e) => e.value ?? null),
    }, batch.length));
}

const dayMs = 86_400_000;
/** An open-ended period ends here: the last day whose ISO date has four digits, so days compare as text. */
const maxDate = Date.UTC(9999, 11, 31);

/** The UTC day (`YYYY-MM-DD`) of a time in ms. */
export const dayOf = (ms: number): string => new Date(Math.floor(ms / dayMs) * dayMs).toISOString().slice(0, 10);

/**
 * Folds the bot's detail rows older than `before` into `analytics_daily` and deletes them, one
 * UTC day per transaction. `before` is rounded down to a UTC midnight, so only whole days are
 * folded and a day is never half in detail, half in totals. The rows are deleted first and what
 * the delete returned is what gets added: two instances folding at once cannot count a row twice
 * (the second delete finds the rows gone). Returns how many detail rows were folded.
 */
export async function foldOldEvents(db: Db, botId: string, before: number): Promise<number> {
  const cutoff = Math.floor(before / dayMs) * dayMs;
  let folded = 0;
  for (;;) {
    const oldest = await db.selectFrom("analytics_events").select((eb) => eb.fn.min<number>("at").as("at")).where("bot_id", "=", botId).where("at", "<", cutoff).executeTakeFirst();
    if (oldest?.at == null) return folded;
    const dayStart = Math.floor(Number(oldest.at) / dayMs) * dayMs;
    folded += await db.transaction().execute(async (tx) => {
      const rows = await tx.deleteFrom("analytics_events").where("bot_id", "=", botId).where("at", ">=", dayStart).where("at", "<", dayStart + dayMs)
        .returning(["kind", "actor", "value"]).execute();
      const groups = new Map<string, { kind: string; actor: string; count: number; sum: number }>();
      for (const r of rows) {
        const key = `${r.kind}\n${r.actor}`;
        const g = groups.get(key) ?? groups.set(key, { kind: r.kind, actor: r.actor, count: 0, sum: 0 }).get(key)!;
        g.count += 1;
        g.sum += Number(r.value ?? 0);
      }
      for (const g of groups.values()) {
        await tx
          .insertInto("analytics_daily")
          .values({ bot_id: botId, day: dayOf(dayStart), kind: g.kind, actor: g.actor, count: g.count, sum: g.sum })
          .onConflict((c) => c.columns(["bot_id", "day", "kind", "actor"]).doUpdateSet((eb) => ({
            count: eb(eb.ref("analytics_daily.count"), "+", eb.ref("excluded.count")),
            sum: eb(eb.ref("analytics_daily.sum"), "+", eb.ref("excluded.sum")),
          })))
          .execute();
      }
      return rows.length;
    });
  }
}

/** A period: from `from` (inclusive) to `to` (exclusive), ms since the epoch. */
export interface Period {
  from: number;
  to: number;
}

/** Messages of one UTC day. */
export interface DayMessages {
  day: string;
  in: number;
  out: number;
  intercepted: number;
}

/** One operator's load over a period (`actor` is their id, or `api`). */
export interface OperatorLoad {
  actor: string;
  /** The name the operator last wrote under, when known (store/operator-names.ts). */
  name?: string;
  messages: number;
  /** Dialogs whose first answer was theirs. */
  answered: number;
  closed: number;
  /** Median first response of the dialogs they answered first, ms; null if none. */
  medianFirstResponseMs: number | null;
}

/** What the analytics of a period say. */
export interface AnalyticsSummary {
  /** Rows of each kind in the period, detail and folded days together. */
  counts: Record<AnalyticsKind, number>;
  firstResponse: { count: number; p50Ms: number | null; p90Ms: number | null };
  resolution: { count: number; medianMs: number | null };
  perDay: DayMessages[];
  operators: OperatorLoad[];
}

/** The `p` quantile (0..1) of sorted values, nearest rank; null for none. */
export function quantile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** How many rows of one kind and actor a UTC day holds. */
export interface DayCount {
  day: string;
  kind: string;
  actor: string;
  count: number;
}

/**
 * The rows of `botIds` in `period` counted per UTC day, kind and actor: detail rows, plus the
 * folded days that lie wholly in the period (a folded day has no times left to cut it by).
 */
export async function countRows(db: Db, botIds: readonly string[], period: Period): Promise<DayCount[]> {
  if (botIds.length === 0) return [];
  const detail = await db
    .selectFrom("analytics_events")
    .select([sql<number>`at / ${sql.lit(dayMs)}`.as("day"), "kind", "actor", (eb) => eb.fn.countAll<number>().as("count")])
    .where("bot_id", "in", botIds)
    .where("at", ">=", period.from)
    .where("at", "<", period.to)
    .groupBy([sql`at / ${sql.lit(dayMs)}`, "kind", "actor"])
    .execute();
  const out: DayCount[] = detail.map((r) => ({ day: dayOf(Number(r.day) * dayMs), kind: r.kind, actor: r.actor, count: Number(r.count) }));
  const firstDay = dayOf(Math.ceil(period.from / dayMs) * dayMs);
  const lastDay = dayOf(Math.floor(Math.min(period.to, maxDate) / dayMs) * dayMs - dayMs);
  if (firstDay > lastDay) return out;
  const folded = await db
    .selectFrom("analytics_daily")
    .select(["day", "kind", "actor", "count"])
    .where("bot_id", "in", botIds)
    .where("day", ">=", firstDay)
    .where("day", "<=", lastDay)
    .execute();
  for (const r of folded) out.push({ day: r.day, kind: r.kind, actor: r.actor, count: Number(r.count) });
  return out;
}

/** The analytics of `botIds` (one bot, or all of a deployment's) over `period`. */
export async function summarize(db: Db, botIds: readonly string[], period: Period): Promise<AnalyticsSummary> {
  const counts = Object.fromEntries(analyticsKinds.map((k) => [k, 0])) as Record<AnalyticsKind, number>;
  const days = new Map<string, DayMessages>();
  const dayRow = (day: string) => days.get(day) ?? days.set(day, { day, in: 0, out: 0, intercepted: 0 }).get(day)!;
  const operators = new Map<string, OperatorLoad & { responses: number[] }>();
  const operator = (actor: string) =>
    operators.get(actor) ?? operators.set(actor, { actor, messages: 0, answered: 0, closed: 0, medianFirstResponseMs: null, responses: [] }).get(actor)!;
  const add = (day: string, kind: string, actor: string, count: number) => {
    if (!(kind in counts)) return;
    counts[kind as AnalyticsKind] += count;
    if (kind === "message_in") dayRow(day).in += count;
    if (kind === "message_out") {
      dayRow(day).out += count;
      operator(actor).messages += count;
    }
    if (kind === "message_intercepted") dayRow(day).intercepted += count;
    if (kind === "first_response") operator(actor).answered += count;
    if (kind === "dialog_closed" && /^\d+$|^api$/.test(actor)) operator(actor).closed += count;
  };
  if (botIds.length === 0) return { counts, firstResponse: { count: 0, p50Ms: null, p90Ms: null }, resolution: { count: 0, medianMs: null }, perDay: [], operators: [] };
  for (const r of await countRows(db, botIds, period)) add(r.day, r.kind, r.actor, r.count);

  const timed = await db
    .selectFrom("analytics_events")
    .select(["kind", "actor", "value"])
    .where("bot_id", "in", botIds)
    .where("kind", "in", ["first_response", "resolution"])
    .where("at", ">=", period.from)
    .where("at", "<", period.to)
    .where("value", "is not", null)
    .execute();
  const responses: number[] = [];
  const resolutions: number[] = [];
  for (const r of timed) {
    const value = Number(r.value);
    if (r.kind === "resolution") resolutions.push(value);
    else {
      responses.push(value);
      operator(r.actor).responses.push(value);
    }
  }
  const ascending = (a: number, b: number) => a - b;
  responses.sort(ascending);
  resolutions.sort(ascending);
  const names = await operatorNames(db, botIds, [...operators.keys()].filter((a) => /^\d+$/.test(a)));
  for (const [actor, load] of operators) if (names.has(actor)) load.name = names.get(actor);
  return {
    counts,
    firstResponse: { count: responses.length, p50Ms: quantile(responses, 0.5), p90Ms: quantile(responses, 0.9) },
    resolution: { count: resolutions.length, medianMs: quantile(resolutions, 0.5) },
    perDay: [...days.values()].sort((a, b) => (a.day < b.day ? -1 : 1)),
    operators: [...operators.values()]
      .map(({ responses: own, ...load }) => ({ ...load, medianFirstResponseMs: quantile(own.sort(ascending), 0.5) }))
      .sort((a, b) => b.messages - a.messages || (a.actor < b.actor ? -1 : 1)),
  };
}

/** A dialog waiting for operators now (🟪). */
export interface WaitingDialog {
  botId: string;
  chatId: number;
  topicId: number | null;
  /** The user as the conversation row keeps it (a Telegram user profile). */
  user: unknown;
  /** When the conversation last changed, ms. */
  updatedAt: number;
}

/** Dialogs of `botIds` waiting for operators now (🟪: open, the user spoke last). */
export async function waitingDialogs(db: Db, botIds: readonly string[]): Promise<WaitingDialog[]> {
  if (botIds.length === 0) return [];
  const rows = await db
    .selectFrom("conversations")
    .select(["bot_id", "chat_id", "topic_id", "user", "snapshot", "updated_at"])
    .where("bot_id", "in", botIds)
    .where("state", "=", "topic-open")
    .execute();
  // The snapshot's value is `{ "topic-open": "user_answered" | "support_answered" }`.
  return rows
    .filter((r) => (JSON.parse(r.snapshot) as { value?: Record<string, string> }).value?.["topic-open"] !== "support_answered")
    .map((r) => ({ botId: r.bot_id, chatId: Number(r.chat_id), topicId: r.topic_id === null ? null : Number(r.topic_id), user: JSON.parse(r.user), updatedAt: Number(r.updated_at) }));
}

/** How many dialogs of `botIds` wait for operators now (see {@link waitingDialogs}). */
export async function unansweredNow(db: Db, botIds: readonly string[]): Promise<number> {
  return (await waitingDialogs(db, botIds)).length;
}
