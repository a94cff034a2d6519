/**
 * The processor: drains the inbox in update order, routes each update, steps the conversations
 * through the registry (one transaction per batch) and wakes the delivery lanes that got work.
 * A bad update is logged and marked processed on its own; it never blocks its neighbours.
 */
import type { Update } from "@grammyjs/types";
import type { ConversationRegistry, Envelope } from "../conversation/registry.ts";
import { pendingUpdates, type InboxRow } from "../store/inbox.ts";
import type { Db } from "../store/open.ts";
import type { Logger } from "../util/log.ts";
import type { Delivery } from "./delivery.ts";
import { route, type RouterContext } from "./router.ts";

/** Settings of a processor. */
export interface ProcessorOptions {
  db: Db;
  botId: string;
  registry: ConversationRegistry;
  delivery: Delivery;
  router: RouterContext;
  log: Logger;
  batchSize?: number;
  /** Observer for every routed update (sandbox, tests). */
  onRouted?: (update: Update, outcome: string) => void;
}

/** See the module comment. */
export class Processor {
  readonly #o: ProcessorOptions;
  #running: Promise<void> | undefined;
  #dirty = false;
  #stopped = false;
  /** Updates handled since start, by outcome ("conversation" or the drop reason's first words). */
  processed = 0;
  dropped = 0;

  constructor(options: ProcessorOptions) {
    this.#o = options;
  }

  /** Starts draining, or asks the running drain to look again. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#dirty = true;
      return;
    }
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
    });
  }

  /** Finishes the batch in hand and stops. Unprocessed updates stay in the inbox. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
  }

  /** Resolves when the inbox is empty (tests and benchmarks). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    const o = this.#o;
    for (;;) {
      if (this.#stopped) return;
      this.#dirty = false;
      let rows: InboxRow[];
      try {
        rows = await pendingUpdates(o.db, o.botId, o.batchSize ?? 200);
      } catch (error) {
        o.log.error("inbox read failed", { error: String(error) });
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (rows.length === 0) {
        if (this.#dirty) continue;
        return;
      }
      try {
        await this.#handle(rows);
      } catch (error) {
        o.log.warn("batch failed; handling its updates one by one", { error: String(error), updates: rows.length });
        for (const row of rows) await this.#handleAlone(row);
      }
    }
  }

  async #handle(rows: InboxRow[]): Promise<void> {
    const envelopes: Envelope[] = [];
    const dropped: number[] = [];
    for (const row of rows) {
      const routed = await this.#route(row);
      if (routed) envelopes.push(routed);
      else dropped.push(row.updateId);
    }
    const applied = await this.#o.registry.apply(envelopes, dropped);
    this.processed += envelopes.length;
    this.dropped += dropped.length;
    for (const chatId of new Set(applied.filter((a) => a.intents.length > 0).map((a) => a.chatId))) this.#o.delivery.kick(chatId);
  }

  async #handleAlone(row: InboxRow): Promise<void> {
    try {
      await this.#handle([row]);
    } catch (error) {
      // Poison update: record that it was skipped so it is not retried forever.
      this.#o.log.error("update skipped: it could not be processed", { update_id: row.updateId, error: String(error), update: JSON.stringify(row.update).slice(0, 500) });
      await this.#o.registry.apply([], [row.updateId]).catch((e) => this.#o.log.error("could not mark update", { error: String(e) }));
    }
  }

  async #route(row: InboxRow): Promise<Envelope | undefined> {
    try {
      const routed = await route(row.update, this.#o.router);
      this.#o.onRouted?.(row.update, routed.kind === "drop" ? routed.reason : "conversation");
      if (routed.kind === "drop") {
        this.#o.log.debug("update dropped", { update_id: row.updateId, reason: routed.reason });
        return undefined;
      }
      if (routed.kind === "general") return { chatId: this.#o.router.groupId, general: { command: routed.command, message: routed.message }, updateId: row.updateId };
      return { chatId: routed.chatId, event: routed.event, user: routed.user, updateId: row.updateId };
    } catch (error) {
      this.#o.log.error("update could not be routed; skipped", { update_id: row.updateId, error: String(error) });
      return undefined;
    }
  }
}
