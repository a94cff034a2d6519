/**
 * The `Inbox` service: where every source puts what it received. `accept` decodes each update
 * against the fields Switchboard reads (telegram/decode-update.ts), saves the batch in one
 * transaction (duplicates ignored) and only then wakes the processor and the parallel system's
 * stream; sources acknowledge to Telegram after it succeeds, so nothing accepted is ever lost.
 *
 * What does not decode is set aside in the same transaction as a dead letter (kept, counted,
 * logged once with its update id) and the rest of the batch goes on: no update from outside
 * can stop the process or stall the stream. Rows already in the inbox are decoded again when
 * read (stores written before decoding existed may hold poison), and moved to the dead letters
 * if they fail — except those this process accepted itself and still holds decoded: the same
 * text decodes the same, and parsing and decoding every update twice was ~2 % of a relayed
 * message's CPU and a tenth of its allocations (bench/README.md, "Session 4"). When every pending
 * row is held so, only their ids are read back, not their text. Only batches saved whole are held:
 * an update that was a duplicate keeps its first arrival's text in the store, which is what counts.
 */
import type { Update } from "@grammyjs/types";
import * as Clock from "effect/Clock";
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as Queue from "effect/Queue";
import { botMetrics, record } from "../admin/metrics.ts";
import { type DeadLetter, moveToDeadLetters, type StoredDeadLetter } from "../store/dead-letters.ts";
import { acceptIntake, type IncomingUpdate, type InboxRow, pendingIds, pendingIdsNow, pendingPayloads, pendingPayloadsNow } from "../store/inbox.ts";
import type { Db } from "../store/schema.ts";
import { query, queryNow, Store, type StoreError } from "../store/store.ts";
import { decodeStored, decodeUpdate } from "../telegram/decode-update.ts";
import type { Logger } from "../util/log.ts";
import { Bot } from "./bot-env.ts";

/** Where updates come from; the dead letters record it. */
export type UpdateSource = "polling" | "webhook" | "mtproto" | "proxy" | "api";

/** Who handed a batch over, and how to tell its updates apart. */
export interface AcceptFrom {
  readonly source: UpdateSource;
  /** Names what an update is, for sources that may deliver one twice under different ids (MTProto). */
  readonly sourceKey?: (u: Update) => string | undefined;
  /** The JSON text of each update as received, where the source has it (a dead letter keeps it). */
  readonly texts?: readonly (string | undefined)[];
  /** A write that must commit with the updates or not at all (see store/inbox.ts). */
  readonly alsoWrite?: (tx: Db) => Promise<void>;
  /** Synthetic ids that must all be new, or nothing is saved (store/inbox.ts `allFresh`). */
  readonly allFresh?: boolean;
}

/** What the service offers. */
export interface InboxService {
  /**
   * Decodes and saves `updates` durably and wakes the processor; resolves to how many were new.
   * What does not decode is kept as a dead letter in the same transaction, so accepting never
   * fails because of what an update contains: only a store failure fails it.
   */
  accept(updates: readonly unknown[], from: AcceptFrom): Effect.Effect<number, StoreError>;
  /**
   * The oldest unprocessed updates, in arrival order, decoded (rows that fail are moved to the
   * dead letters). Fewer than `limit` means the inbox held no more when read, unless rows were
   * set aside: then `arrivals` is left set, so the processor looks again.
   */
  pending(limit: number): Effect.Effect<InboxRow[], StoreError>;
  /** Moves a row that could not be processed to the dead letters, with why. */
  setAside(row: InboxRow, reason: string): Effect.Effect<void, StoreError>;
  /** Updates set aside as dead letters since start. */
  readonly deadLettered: number;
  /** How many accepted updates are held decoded for `pending` (see {@link InboxOptions.holdDecoded}). */
  readonly heldDecoded: number;
  /** Waits until something was accepted since the last wait (the processor's wake-up). */
  readonly arrivals: Effect.Effect<void>;
  /** Makes the processor look at the inbox (another instance stored rows for this bot; cluster/wake.ts). */
  readonly wake: Effect.Effect<void>;
  /** Listens to every accepted batch (the proxy's stream for the parallel system); returns the unsubscribe. */
  onAccepted(listener: (updates: readonly Update[]) => void): () => void;
}

/** Settings of the inbox. */
export interface InboxOptions {
  /** Picks the updates a parallel system behind the proxy must see too (queued in the same transaction). */
  mirror?: (u: Update) => boolean;
  /**
   * Whether accepted updates are held decoded until `pending` reads them back (default true).
   * False where nothing calls `pending` — a front's inbox on an instance that may not run the bot
   * (cluster/front.ts) — or the held updates would stay until evicted: up to a thousand per bot.
   */
  holdDecoded?: boolean;
}

/**
 * How many accepted updates are held decoded until the processor reads them back: a few of its
 * batches. Beyond that (a backlog), the oldest are decoded again when read.
 */
const maxHeldDecoded = 1_000;

/** See the module comment. */
export class Inbox extends Context.Tag("switchboard/Inbox")<Inbox, InboxService>() {
  /** The inbox of the bot in context. */
  static readonly layer = (options: InboxOptions = {}): Layer.Layer<Inbox, never, Store | Bot> =>
    Layer.effect(
      Inbox,
      Effect.gen(function* () {
        const { db } = yield* Store;
        const { botId } = yield* Bot;
        const received = botMetrics(botId).updatesReceived;
        // One slot that stays filled until taken: any number of accepts before the processor
        // looks again cost one wake-up, and none is lost while it works.
        const wake = yield* Queue.sliding<void>(1);
        const listeners = new Set<(updates: readonly Update[]) => void>();
        const { log, tracing } = yield* Bot;
        let deadLettered = 0;
        // Accepted here and not read back yet, by update id (see the module comment).
        const decodedHere = new Map<number, Update>();
        const hold = options.holdDecoded ?? true;
        const reported = (letters: readonly StoredDeadLetter[]) =>
          Effect.sync(() => {
            deadLettered += letters.length;
            for (const letter of letters) reportDeadLetter(log, letter);
          });
        // Left from a previous run (crash or stop): the processor looks at once.
        yield* Queue.offer(wake, undefined);
        const moveRows = (letters: readonly (DeadLetter & { updateId: number })[]) =>
          Effect.gen(function* () {
            const now = yield* Clock.currentTimeMillis;
            yield* reported(yield* query("set aside inbox rows", () => moveToDeadLetters(db, botId, letters, now)));
          });
        const save = (updates: readonly unknown[], from: AcceptFrom) =>
            Effect.gen(function* () {
              if (updates.length === 0) return 0;
              const origin = from.source === "polling" || from.source === "webhook" ? "telegram" : "own";
              const good: IncomingUpdate[] = [];
              const dead: DeadLetter[] = [];
              for (const [i, raw] of updates.entries()) {
                const decoded = decodeUpdate(raw, origin, from.texts?.[i]);
                if (decoded.ok) good.push(decoded);
                else dead.push({ source: from.source, updateId: decoded.updateId, reason: decoded.reason, raw: decoded.raw });
              }
              const now = yield* Clock.currentTimeMillis;
              const saved = yield* query("accept updates", () => acceptIntake(db, botId, { updates: good, dead }, now, { ...(options.mirror ? { mirror: options.mirror } : {}), ...(from.sourceKey ? { sourceKey: from.sourceKey } : {}), ...(from.alsoWrite ? { alsoWrite: from.alsoWrite } : {}), ...(from.allFresh ? { allFresh: true } : {}) }));
              if (saved.dead.length > 0) yield* reported(saved.dead);
              if (good.length === 0) return 0;
              if (hold && saved.fresh === good.length) for (const u of good) decodedHere.set(u.update.update_id, u.update);
              while (decodedHere.size > maxHeldDecoded) decodedHere.delete(decodedHere.keys().next().value!);
              yield* Queue.offer(wake, undefined);
              if (saved.fresh > 0) record(received, saved.fresh);
              const accepted = good.map((u) => u.update);
              for (const listener of listeners) listener(accepted);
              return saved.fresh;
            });
        return {
          // Chosen once: without tracing, nothing is added per batch.
          accept: tracing === undefined ? save : (updates, from) => tracing.accept(updates, from.source, save(updates, from)),
          pending: (limit) =>
            Effect.gen(function* () {
              if (decodedHere.size > 0) {
                const ids = yield* queryNow("read the inbox", () => pendingIdsNow(db, botId, limit), () => pendingIds(db, botId, limit));
                if (ids.every((id) => decodedHere.has(id))) {
                  return ids.map((updateId) => {
                    const update = decodedHere.get(updateId)!;
                    decodedHere.delete(updateId);
                    return { updateId, update };
                  });
                }
              }
              for (;;) {
                const rows = yield* queryNow("read the inbox", () => pendingPayloadsNow(db, botId, limit), () => pendingPayloads(db, botId, limit));
                const good: InboxRow[] = [];
                const bad: (DeadLetter & { updateId: number })[] = [];
                for (const row of rows) {
                  const held = decodedHere.get(row.updateId);
                  if (held) decodedHere.delete(row.updateId);
                  const decoded = held ? { ok: true as const, update: held } : decodeStored(row.payload);
                  if (decoded.ok) good.push({ updateId: row.updateId, update: decoded.update });
                  else bad.push({ source: "inbox", updateId: row.updateId, reason: decoded.reason, raw: decoded.raw });
                }
                if (bad.length > 0) {
                  yield* moveRows(bad);
                  // Fewer good rows than read: more may wait behind them, so the processor looks again.
                  yield* Queue.offer(wake, undefined);
                }
                // A batch made only of poison rows is gone now: look again, or the processor would think the inbox empty.
                if (good.length > 0 || bad.length === 0) return good;
              }
            }),
          setAside: (row, reason) =>
            Effect.suspend(() => {
              const raw = JSON.stringify(row.update) ?? "";
              return moveRows([{ source: "processor", updateId: row.updateId, reason, raw }]);
            }),
          get deadLettered() {
            return deadLettered;
          },
          get heldDecoded() {
            return decodedHere.size;
          },
          arrivals: Queue.take(wake),
          wake: Effect.asVoid(Queue.offer(wake, undefined)),
          onAccepted: (listener) => {
            listeners.add(listener);
            return () => listeners.delete(listener);
          },
        } satisfies InboxService;
      }),
    );
}

/** One line per dead letter, once: where it came from, its update id, why. */
function reportDeadLetter(log: Logger, letter: StoredDeadLetter): void {
  log.warn("update set aside as a dead letter (switchboard inbox --dead lists them); the stream goes on", {
    update_id: letter.updateId ?? "none", source: letter.source, reason: letter.reason, dead_letter: letter.id,
  });
}
