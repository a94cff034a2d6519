/**
 * The processor: a fiber that drains the inbox in arrival order, routes each update, and steps
 * the conversations through the stepper (one transaction per batch). It wakes when the inbox
 * accepted something. The inbox hands over only updates that decode; one that still fails is
 * moved to the dead letters on its own (logged once with its id); it never blocks its neighbours.
 */
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { botMetrics, record } from "../admin/metrics.ts";
import type { InboxRow } from "../store/inbox.ts";
import { StoreError } from "../store/store.ts";
import { Bot } from "./bot-env.ts";
import { Inbox } from "./inbox.ts";
import { backoff } from "../util/backoff-schedule.ts";
import { type Route, route, type RouterContext } from "./router.ts";
import { type Envelope, Stepper } from "./stepper.ts";

/** Rows of a batch committed together, with what routing made of them. */
interface Segment {
  rows: InboxRow[];
  envelopes: Envelope[];
  dropped: number[];
  interceptions: number;
}

/** Updates handled since start. */
export interface ProcessorStats {
  processed: number;
  dropped: number;
}

/** See the module comment. The service is the processor's counters. */
export class Processor extends Context.Tag("switchboard/Processor")<Processor, ProcessorStats>() {
  /** Runs the processor for the life of the layer's scope. */
  static readonly layer = (router: RouterContext, batchSize = 200): Layer.Layer<Processor, never, Inbox | Stepper | Bot> =>
    Layer.scoped(
      Processor,
      Effect.gen(function* () {
        const stats: ProcessorStats = { processed: 0, dropped: 0 };
        const inbox = yield* Inbox;
        const stepper = yield* Stepper;
        const { log, botId } = yield* Bot;
        const intercepted = botMetrics(botId).intercepted;
        // Operators answer in topics of active conversations: the stepper knows those chats.
        const routing: RouterContext = {
          ...router,
          chatOfTopic: (topicId) => {
            const known = stepper.chatOfRecentTopic(topicId);
            return known === undefined ? router.chatOfTopic(topicId) : Promise.resolve(known);
          },
        };

        const envelopeOf = (row: InboxRow, routed: Route): Envelope | undefined => {
          if (routed.kind === "drop") {
            log.debug("update dropped", { update_id: row.updateId, reason: routed.reason });
            return undefined;
          }
          if (routed.kind === "general") return { chatId: router.groupId, general: { command: routed.command, message: routed.message }, updateId: row.updateId };
          if (routed.kind === "topic-created") return { chatId: router.groupId, topicCreated: { topicId: routed.topicId, name: routed.name }, updateId: row.updateId };
          return { chatId: routed.chatId, event: routed.event, user: routed.user, updateId: row.updateId };
        };

        /**
         * Routes a batch's rows one after another in one promise (one suspension of the fiber per
         * batch, not per update); a row that cannot be routed is skipped with a log line.
         */
        const routeRows = (rows: readonly InboxRow[]): Effect.Effect<(Envelope | undefined)[]> =>
          Effect.promise(async () => {
            const envelopes: (Envelope | undefined)[] = [];
            for (const row of rows) {
              try {
                envelopes.push(envelopeOf(row, await route(row.update, routing)));
              } catch (error) {
                log.error("update could not be routed; skipped", { update_id: row.updateId, error: String(error) });
                envelopes.push(undefined);
              }
            }
            return envelopes;
          });

        /**
         * Routes `rows` and cuts them after each General-topic command: its plugin reads the
         * store (does the label exist?) and its writes commit with its step, so a later command
         * must come after that commit. Without General commands this is one segment.
         */
        const segmentsOf = (rows: readonly InboxRow[]) =>
          Effect.gen(function* () {
            const segments: Segment[] = [];
            let current: Segment = { rows: [], envelopes: [], dropped: [], interceptions: 0 };
            const routed = yield* routeRows(rows);
            for (const [i, envelope] of routed.entries()) {
              const row = rows[i];
              current.rows.push(row);
              if (envelope) current.envelopes.push(envelope);
              else current.dropped.push(row.updateId);
              if (envelope?.event?.type === "bot.intercepted") current.interceptions += 1;
              if (envelope?.general) {
                segments.push(current);
                current = { rows: [], envelopes: [], dropped: [], interceptions: 0 };
              }
            }
            if (current.rows.length > 0 || segments.length === 0) segments.push(current);
            return segments;
          });

        const commit = (segment: Segment) =>
          Effect.gen(function* () {
            yield* stepper.apply(segment.envelopes, segment.dropped);
            if (segment.interceptions > 0) record(intercepted, segment.interceptions);
            stats.processed += segment.envelopes.length;
            stats.dropped += segment.dropped.length;
          });

        const handle = (rows: readonly InboxRow[]) => Effect.flatMap(segmentsOf(rows), (segments) => Effect.forEach(segments, commit, { discard: true }));

        // A poison update: set aside as a dead letter (kept, logged once), so it is not retried
        // forever. False when even that failed (the store is down): the row is still pending.
        const handleAlone = (row: InboxRow) =>
          handle([row]).pipe(
            Effect.as(true),
            Effect.catchAll((error) =>
              inbox.setAside(row, `could not be processed: ${error.message}`).pipe(
                Effect.as(true),
                Effect.catchAll((e) => Effect.as(Effect.sync(() => log.error("could not set aside an update that failed", { update_id: row.updateId, error: e.message })), false)),
              )
            ),
          );

        /**
         * Handles `rows`; false when some are still pending (neither processed nor set aside).
         * When a commit fails, the rows of the segments committed before it are done; the rest
         * are handled one by one.
         */
        const batch = (rows: readonly InboxRow[]) =>
          Effect.gen(function* () {
            const segments = yield* segmentsOf(rows);
            for (const [i, segment] of segments.entries()) {
              const failed = yield* commit(segment).pipe(Effect.as(undefined), Effect.catchAll((error) => Effect.succeed(error)));
              if (failed === undefined) continue;
              const rest = segments.slice(i).flatMap((s) => s.rows);
              log.warn("batch failed; handling its updates one by one", { error: failed.message, first_update_id: rest[0].updateId, updates: rest.length });
              return (yield* Effect.forEach(rest, handleAlone)).every(Boolean);
            }
            return true;
          }).pipe(
            // A batch in hand is finished before a stop takes effect: its transaction is under way.
            Effect.uninterruptible,
          );

        const drain = Effect.gen(function* () {
          for (;;) {
            const rows = yield* inbox.pending(batchSize);
            if (rows.length === 0) return;
            // Rows left pending (the store failed even to set them aside) are tried again after the
            // backoff below: nothing new may come to wake the processor for them.
            if (!(yield* batch(rows))) return yield* Effect.fail(new StoreError({ message: "updates could be neither processed nor set aside", cause: undefined }));
            // A short batch was all there was: whatever arrived since has set `arrivals`, so
            // reading the empty inbox once more (once per message at low rates) is not needed.
            if (rows.length < batchSize) return;
          }
        }).pipe(
          Effect.tapError((error) => Effect.sync(() => log.error("inbox processing failed; retrying", { error: error.message }))),
          Effect.retry(backoff("5 seconds")),
        );

        yield* Effect.forkScoped(Effect.forever(Effect.zipRight(inbox.arrivals, drain)));
        return stats;
      }),
    );
}
