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

        const handle = (rows: readonly InboxRow[]) =>
          Effect.gen(function* () {
            const envelopes: Envelope[] = [];
            const dropped: number[] = [];
            let interceptions = 0;
            const routed = yield* routeRows(rows);
            for (const [i, envelope] of routed.entries()) {
              if (envelope) envelopes.push(envelope);
              else dropped.push(rows[i].updateId);
              if (envelope?.event?.type === "bot.intercepted") interceptions += 1;
            }
            yield* stepper.apply(envelopes, dropped);
            if (interceptions > 0) record(intercepted, interceptions);
            stats.processed += envelopes.length;
            stats.dropped += dropped.length;
          });

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

        /** Handles `rows`; false when some are still pending (neither processed nor set aside). */
        const batch = (rows: readonly InboxRow[]) =>
          handle(rows).pipe(
            Effect.as(true),
            Effect.catchAll((error) => {
              log.warn("batch failed; handling its updates one by one", { error: error.message, first_update_id: rows[0].updateId, updates: rows.length });
              return Effect.map(Effect.forEach(rows, handleAlone), (settled) => settled.every(Boolean));
            }),
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
