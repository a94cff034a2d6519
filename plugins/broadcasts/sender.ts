/**
 * The broadcast sender of one bot: a fiber that works through the running broadcast's
 * recipients one at a time, oldest broadcast first.
 *
 * Durable: each recipient's row is marked `sending` before its call and gets its outcome after.
 * One write per send: a send's outcome is written together with the next one's `sending` (and
 * on its own whenever the sender does anything else, and when it stops), so never more than one
 * row is `sending`. A crash leaves at most that one: at the next start it is sent again and
 * counted in doubt (never lost; only such a send may arrive twice). The recipients are read a
 * batch at a time.
 *
 * Paced against sliding windows, so a late wake-up is caught up without ever going over a
 * limit: its own budget (`perSecond` in any second: the paid broadcasts' 950; otherwise the
 * bot's 30, shared with relaying), the bot's shared limiter (1/s per user; 30 arrivals in any
 * second over all the bot's sends, relaying included), and it waits while relaying has a lane at
 * work — unless it has had less than its guaranteed third of the bot's window, so constant
 * relaying cannot hold it back for ever. A 429 stops the whole broadcast for `retry_after`, then it goes on. Every wait
 * and every "now" is the Clock's.
 */
import type { Kysely } from "kysely";
import * as Chunk from "effect/Chunk";
import * as Data from "effect/Data";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Either from "effect/Either";
import * as Queue from "effect/Queue";
import { backoff, type BackgroundTelegram, delayBefore, type Logger, sendTemplate, SendWindow, type TemplateContent, type TelegramError } from "../../src/mod.ts";
import { progressText, reportCsv, summaryText } from "./report.ts";
import {
  type Broadcast,
  cancelledUnreported,
  countsOf,
  liveBroadcasts,
  markBlocked,
  markRecipients,
  markRestCancelled,
  pendingBatch,
  type Recipient,
  type RecipientMark,
  recipientsOf,
  requeueInDoubt,
  setStatus,
  updateBroadcast,
} from "./store.ts";

/** Settings of a sender. */
export interface BroadcastSenderOptions {
  readonly db: Kysely<any>;
  readonly botId: string;
  readonly groupId: number;
  readonly log: Logger;
  readonly telegram: () => BackgroundTelegram | undefined;
  /** The broadcast's own budget: at most this many messages in any second. */
  readonly perSecond: number;
  /** Pass `allow_paid_broadcast`. */
  readonly paid: boolean;
  /** Least time between two edits of the progress message. */
  readonly progressEveryMs: number;
  /** The template called `key`, when it exists. */
  readonly template: (key: string) => Promise<{ name: string; content: TemplateContent } | undefined>;
  /** The name a recipient has in the report (an alias under `hide_info: [name]`). */
  readonly nameOf: (chatIds: readonly number[]) => Promise<Map<number, string>>;
  /** Told when a broadcast starts and ends (webhooks). */
  readonly onEvent?: (event: "broadcast_started" | "broadcast_finished", b: Broadcast, now: number) => Promise<void>;
}

/** A running sender's handle. */
export interface BroadcastSender {
  /** Look at the broadcasts now (one was confirmed, paused, resumed, cancelled). */
  readonly wake: () => void;
  /** Works until interrupted. */
  readonly run: Effect.Effect<void>;
}

/** The store failed. */
class BroadcastStoreError extends Data.TaggedError("BroadcastStoreError")<{ readonly cause: unknown }> {}

const store = <A>(query: () => Promise<A>) => Effect.tryPromise({ try: query, catch: (cause) => new BroadcastStoreError({ cause }) });

/** Tries of one recipient on network and server errors before it is reported failed. */
const maxAttempts = 5;
/** Delays between those tries. */
const retryPolicy = backoff("1 minute");
/** How often to look again while relaying is busy. */
const yieldMs = 20;
/** Recipients read at once. */
const batchSize = 100;
/** How long the broadcasts read are trusted without a wake (a command wakes the sender at once). */
const liveFor = 1_000;
/** After a store failure. */
const storeTrouble = Duration.seconds(5);
/**
 * With nothing due, look again at least this often. Every command that adds or changes a
 * broadcast wakes the sender, and a scheduled one is waited for until its start, so this is only
 * a safety net: an hour, like the timers' cap, keeps an idle bot from waking every minute (which
 * also made a week on the TestClock cost 10,000 store reads).
 */
const idleLook = Duration.hours(1);

/** How a failed send ends for its recipient. */
type Verdict =
  | { kind: "final"; status: "blocked" | "deactivated" | "not_found" | "failed"; reason: string }
  | { kind: "slow-down"; seconds: number }
  | { kind: "retry"; reason: string };

function verdictOf(e: TelegramError): Verdict {
  switch (e._tag) {
    case "BlockedByUser":
      return { kind: "final", status: "blocked", reason: e.description };
    case "UserDeactivated":
      return { kind: "final", status: "deactivated", reason: e.description };
    case "ChatNotFound":
      return { kind: "final", status: "not_found", reason: e.description };
    case "RateLimited":
      return { kind: "slow-down", seconds: Math.max(1, e.retryAfter) };
    case "NetworkError":
      return { kind: "retry", reason: e.reason };
    case "ServerError":
      return { kind: "retry", reason: `${e.status} ${e.description}` };
    default:
      return { kind: "final", status: "failed", reason: e.description };
  }
}

/** Builds a sender; nothing runs until its `run` does. */
export const makeBroadcastSender = (o: BroadcastSenderOptions): Effect.Effect<BroadcastSender> =>
  Effect.gen(function* () {
    const wakes = yield* Queue.sliding<void>(1);
    const wake = () => void wakes.unsafeOffer(undefined);
    // Whole milliseconds: they go into bigint columns (a TestClock may hold fractions).
    const now = Effect.clockWith((clock) => Effect.map(clock.currentTimeMillis, Math.floor));
    /** The broadcast's own budget: `perSecond` sends in any second (a window, so it catches up). */
    const budgetMax = Math.max(1, Math.floor(o.perSecond));
    const budget = new SendWindow(budgetMax, (budgetMax / o.perSecond) * 1000, 0);
    /** When each broadcast's progress message was last edited. */
    const progressAt = new Map<number, number>();
    /** The live broadcasts as last read, and when (undefined: read them again). */
    let live: { readonly at: number; readonly rows: readonly Broadcast[] } | undefined;
    /** Templates looked up since the last read of the broadcasts (null: it no longer exists). */
    const templates = new Map<string, { name: string; content: TemplateContent } | null>();
    /** The next recipients of one broadcast, read a batch at a time. */
    let queue: { broadcastId: number; rows: Recipient[] } = { broadcastId: 0, rows: [] };
    /**
     * Where the sender's time went since it started or last finished a broadcast (logged at the
     * end): sends, and milliseconds yielding to relaying, waiting for a slot, writing, calling.
     */
    let spent = { sends: 0, relayMs: 0, slotMs: 0, storeMs: 0, callMs: 0 };
    /** The last send's outcome, not written yet: it goes with the next send's `sending`. */
    let unrecorded: { readonly r: Recipient; readonly set: RecipientMark } | undefined;

    /** Writes the last send's outcome now (before anything reads the counts, and at a stop). */
    const flush = Effect.suspend(() => {
      const pending = unrecorded;
      if (!pending) return Effect.void;
      return Effect.tap(store(() => markRecipients(o.db, [pending])), () => void (unrecorded = undefined));
    });

    /** The broadcasts have changed (or were changed here): read them again next turn. */
    const forget = () => {
      live = undefined;
    };

    /**
     * Waits for a slot: relaying first (above the guaranteed share), then the broadcast's own
     * budget, then the bot's limiter. Nothing is taken until all agree.
     */
    const pace = (tg: BackgroundTelegram, chatId: number, count: number) =>
      Effect.gen(function* () {
        for (let before = yield* now; ; before = yield* now) {
          const t = before;
          if (tg.relayBusy(t)) {
            yield* Effect.sleep(Duration.millis(yieldMs));
            spent.relayMs += (yield* now) - before;
            continue;
          }
          // The own budget is only asked: the bot's slot is taken when both agree.
          const own = budget.waitFor(t, { count });
          const wait = own > 0 ? own : tg.reserve(chatId, t, { overall: !o.paid, count });
          if (wait > 0) {
            yield* Effect.sleep(Duration.millis(wait));
            spent.slotMs += (yield* now) - before;
            continue;
          }
          // The own budget counts from the departure (the bot's window, which counts from the
          // answer, is what keeps Telegram's limit exactly).
          budget.reserve(chatId, t, { count });
          budget.settled(chatId, t);
          return;
        }
      });

    /** A message in General, best effort (a broadcast never stops for its own notices). */
    const tellGeneral = (tg: BackgroundTelegram, text: string, edit?: number) =>
      Effect.gen(function* () {
        for (;;) {
          const wait = tg.reserve(o.groupId, yield* now);
          if (wait === 0) break;
          yield* Effect.sleep(Duration.millis(wait));
        }
        const sent = edit === undefined
          ? Effect.map(tg.client.call("sendMessage", { chat_id: o.groupId, text }), (m) => m.message_id)
          : Effect.as(tg.client.call("editMessageText", { chat_id: o.groupId, message_id: edit, text }), edit);
        const result = yield* Effect.either(sent);
        tg.settled(o.groupId, yield* now);
        if (Either.isLeft(result)) {
          o.log.warn("broadcast notice in General failed", { error: result.left._tag });
          return undefined;
        }
        return result.right;
      });

    /** Edits the progress message, at most every `progressEveryMs` unless `force`. */
    const progress = (tg: BackgroundTelegram, b: Broadcast, force: boolean) =>
      Effect.gen(function* () {
        const t = yield* now;
        if (!force && t - (progressAt.get(b.id) ?? 0) < o.progressEveryMs) return;
        // Skipped, not waited for, when the group's budget is spent: relaying comes first.
        const edits = !force && b.progressMessageId !== null;
        if (edits && tg.reserve(o.groupId, t) > 0) return;
        progressAt.set(b.id, t);
        const counts = yield* Effect.zipRight(flush, store(() => countsOf(o.db, b.id))).pipe(
          // A failed read frees the group's place taken above (nothing is sent).
          Effect.onError(() => (edits ? Effect.flatMap(now, (at) => Effect.sync(() => tg.settled(o.groupId, at))) : Effect.void)),
        );
        const text = progressText(b, counts, t);
        if (b.progressMessageId === null) {
          const id = yield* tellGeneral(tg, text);
          if (id !== undefined) yield* store(() => updateBroadcast(o.db, b.id, { progress_message_id: id }));
          forget();
        } else if (force) {
          yield* tellGeneral(tg, text, b.progressMessageId);
        } else {
          // The group's token was taken above.
          const result = yield* Effect.either(tg.client.call("editMessageText", { chat_id: o.groupId, message_id: b.progressMessageId, text }));
          tg.settled(o.groupId, yield* now);
          if (Either.isLeft(result)) o.log.debug("progress edit failed", { error: result.left._tag });
        }
      });

    /**
     * The end of a broadcast: the progress message's last state, the summary (not when `/send
     * cancel` already answered with it), the CSV report and the webhook event. A cancelled
     * broadcast's unsent rows become `cancelled` once its report is out.
     */
    const finish = (tg: BackgroundTelegram, b: Broadcast, o2: { summary: boolean; event: boolean } = { summary: true, event: true }) =>
      Effect.gen(function* () {
        yield* flush;
        const t = yield* now;
        const counts = yield* store(() => countsOf(o.db, b.id));
        yield* progress(tg, b, true);
        if (o2.summary) yield* tellGeneral(tg, summaryText(b, counts, t));
        const rows = yield* store(() => recipientsOf(o.db, b.id));
        const names = yield* store(() => o.nameOf(rows.map((r) => r.chatId)));
        const cancelled = b.status === "cancelled";
        const csv = reportCsv(rows, (id) => names.get(id) ?? "", cancelled);
        // The report as a CSV document; as text in General if the upload fails.
        for (;;) {
          const wait = tg.reserve(o.groupId, yield* now);
          if (wait === 0) break;
          yield* Effect.sleep(Duration.millis(wait));
        }
        const uploaded = yield* Effect.either(tg.uploadDocument({ chatId: o.groupId, filename: `broadcast-${b.id}.csv`, text: csv, mimeType: "text/csv", caption: `Report #${b.id}` }));
        tg.settled(o.groupId, yield* now);
        if (Either.isLeft(uploaded)) {
          o.log.warn("broadcast report could not be uploaded; sent as text", { broadcast: b.id, error: uploaded.left._tag });
          const chunks = chunk(csv, 3800);
          for (const [i, part] of chunks.entries()) {
            yield* tellGeneral(tg, `Report #${b.id}${chunks.length > 1 ? ` (${i + 1}/${chunks.length})` : ""} — CSV:\n${part}`);
          }
        }
        // After the report, not before: a crash in between repeats the report rather than lose it.
        if (cancelled) yield* store(() => markRestCancelled(o.db, b.id));
        if (o2.event && o.onEvent) yield* store(() => o.onEvent!("broadcast_finished", b, t));
        progressAt.delete(b.id);
        forget();
      });

    /**
     * One recipient: its `sending` (with the last send's outcome), the call, its outcome kept
     * for the next write — uninterruptible together. How long the whole broadcast waits after.
     */
    const sendOne = (tg: BackgroundTelegram, b: Broadcast, r: Recipient, content: TemplateContent) =>
      Effect.gen(function* () {
        const attempts = r.attempts + 1;
        // Still `sending`: its last call's outcome was never recorded — in doubt, sent again.
        const mark = { r, set: { status: "sending", attempts, inDoubt: r.status === "sending" } satisfies RecipientMark };
        const t0 = yield* now;
        const { t1, result } = yield* Effect.gen(function* () {
          yield* store(() => markRecipients(o.db, unrecorded ? [unrecorded, mark] : [mark]));
          unrecorded = undefined;
          queue.rows.shift();
          const t1 = yield* now;
          return { t1, result: yield* Effect.either(sendTemplate(tg.client, content, r.chatId, undefined, { paid: o.paid })) };
        }).pipe(
          // The place `pace` took is settled whichever way this ends: a failed write before the
          // call would otherwise hold it in the bot's overall window until it counts as lost.
          Effect.ensuring(Effect.flatMap(now, (at) => Effect.sync(() => tg.settled(r.chatId, at)))),
        );
        const t = yield* now;
        spent = { ...spent, sends: spent.sends + 1, storeMs: spent.storeMs + t1 - t0, callMs: spent.callMs + t - t1 };
        if (Either.isRight(result)) {
          unrecorded = { r, set: { status: "delivered", messageId: result.right[0] ?? null, reason: null, at: t } };
          return undefined;
        }
        const verdict = verdictOf(result.left);
        if (verdict.kind === "final") {
          unrecorded = { r, set: { status: verdict.status, reason: verdict.reason.slice(0, 300), at: t } };
          if (verdict.status === "blocked") yield* store(() => markBlocked(o.db, o.botId, r.chatId, t));
          return undefined;
        }
        if (verdict.kind === "retry" && attempts >= maxAttempts) {
          unrecorded = { r, set: { status: "failed", reason: verdict.reason.slice(0, 300), at: t } };
          return undefined;
        }
        // Not sent: the row waits for its turn again (read afresh, with its attempts).
        unrecorded = { r, set: { status: "pending", ...(verdict.kind === "slow-down" ? { attempts: r.attempts } : {}) } };
        yield* flush;
        queue = { broadcastId: 0, rows: [] };
        if (verdict.kind === "slow-down") {
          yield* store(() => updateBroadcast(o.db, b.id, { rate_limited: b.rateLimited + 1 }));
          forget();
          o.log.warn("broadcast slowed down by Telegram", { broadcast: b.id, retry_after_s: verdict.seconds });
          return Duration.seconds(verdict.seconds);
        }
        return yield* delayBefore(retryPolicy, attempts);
      }).pipe(Effect.uninterruptible);

    /** The template of a broadcast, looked up once per read of the broadcasts. */
    const templateOf = (key: string) =>
      Effect.gen(function* () {
        if (!templates.has(key)) templates.set(key, (yield* store(() => o.template(key))) ?? null);
        return templates.get(key) ?? undefined;
      });

    /**
     * One turn: the next thing to do; how long to wait before the next turn when nothing is due.
     * `woken`: a command changed the broadcasts.
     */
    const turn = (woken: boolean) =>
      Effect.gen(function* () {
        const tg = o.telegram();
        if (!tg) {
          yield* flush;
          return Duration.seconds(1);
        }
        const t = yield* now;
        if (woken || live === undefined || t - live.at >= liveFor) {
          live = { at: t, rows: yield* store(() => liveBroadcasts(o.db, o.botId)) };
          templates.clear();
        }
        let b = live.rows.find((x) => x.status === "running");
        if (!b) {
          yield* flush;
          // Cancelled with /send cancel (which answered with the summary): the report.
          for (const c of yield* store(() => cancelledUnreported(o.db, o.botId))) yield* finish(tg, c, { summary: false, event: false });
          const due = live.rows.find((x) => x.status === "scheduled" && x.startAt <= t);
          if (!due) {
            const next = Math.min(...live.rows.filter((x) => x.status === "scheduled").map((x) => x.startAt));
            return Number.isFinite(next) ? Duration.millis(Math.min(next - t, Duration.toMillis(idleLook))) : idleLook;
          }
          // A resumed broadcast keeps its start (the rate counts from it).
          const startedAt = due.startedAt ?? t;
          yield* store(() => setStatus(o.db, o.botId, due.id, ["scheduled"], "running", { started_at: startedAt }));
          forget();
          b = { ...due, status: "running", startedAt };
          if (due.startedAt === null) {
            o.log.info("broadcast started", { broadcast: b.id, template: b.template });
            if (o.onEvent) yield* store(() => o.onEvent!("broadcast_started", b!, t));
          }
          yield* progress(tg, b, true);
          return Duration.zero;
        }
        if (queue.broadcastId !== b.id || queue.rows.length === 0) {
          yield* flush;
          queue = { broadcastId: b.id, rows: yield* store(() => pendingBatch(o.db, b.id, batchSize)) };
        }
        const r = queue.rows[0];
        if (!r) {
          yield* store(() => setStatus(o.db, o.botId, b.id, ["running"], "finished", { finished_at: t }));
          o.log.info("broadcast finished", { broadcast: b.id, ...spent });
          spent = { sends: 0, relayMs: 0, slotMs: 0, storeMs: 0, callMs: 0 };
          yield* finish(tg, { ...b, status: "finished", finishedAt: t });
          return Duration.zero;
        }
        const template = yield* templateOf(b.template);
        if (!template) {
          yield* flush;
          yield* store(() => setStatus(o.db, o.botId, b.id, ["running"], "cancelled", { finished_at: t }));
          yield* tellGeneral(tg, `📣 Broadcast #${b.id} cancelled: template ${b.template} no longer exists.`);
          yield* finish(tg, { ...b, status: "cancelled", finishedAt: t });
          return Duration.zero;
        }
        const count = template.content.kind === "copy" ? template.content.messageIds.length : 1;
        yield* pace(tg, r.chatId, count);
        const pause = yield* sendOne(tg, b, r, template.content);
        // A 429 or a failing Telegram holds the whole broadcast (not cut short by a wake).
        if (pause) yield* Effect.sleep(pause);
        yield* progress(tg, b, false);
        return Duration.zero;
      });

    const run = Effect.gen(function* () {
      const doubt = yield* store(() => requeueInDoubt(o.db, o.botId)).pipe(Effect.orElseSucceed(() => 0));
      if (doubt > 0) o.log.warn("broadcast sends in flight at the last stop are sent again (in doubt)", { recipients: doubt });
      let woken = true;
      for (;;) {
        if (Chunk.size(yield* Queue.takeAll(wakes)) > 0) woken = true;
        const wait: Duration.Duration = yield* turn(woken).pipe(
          Effect.catchAll((error) =>
            Effect.sync(() => {
              o.log.error("broadcast store failed; will look again", { error: String(error.cause) });
              forget();
              return storeTrouble;
            })
          ),
        );
        woken = false;
        if (Duration.greaterThan(wait, Duration.zero)) woken = yield* Effect.race(Effect.as(Queue.take(wakes), true), Effect.as(Effect.sleep(wait), false));
      }
    }).pipe(
      // The last send's outcome is written before the sender stops (a crash leaves it `sending`: in doubt).
      Effect.ensuring(Effect.ignore(flush)),
    );

    return { wake, run };
  });

/** Splits text into parts of at most `size` characters, at line ends where possible. */
function chunk(text: string, size: number): string[] {
  const parts: string[] = [];
  let current = "";
  for (const line of text.split("\n")) {
    if (current.length + line.length + 1 > size && current !== "") {
      parts.push(current);
      current = "";
    }
    current += (current ? "\n" : "") + line.slice(0, size);
  }
  if (current.trim() !== "") parts.push(current);
  return parts;
}
