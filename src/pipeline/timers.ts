/**
 * The timer service of one bot: fires due timer rows as `timer` events through the registry, so
 * a timer's handling and its removal commit together. Time comes from the injected clock; the
 * check runs every `intervalMs` of real time (a second by default: autoclose is in hours).
 */
import type { ConversationRegistry } from "../conversation/registry.ts";
import type { Db } from "../store/open.ts";
import { deleteTimerIfUnchanged, dueTimers } from "../store/timers.ts";
import type { Logger } from "../util/log.ts";
import type { Delivery } from "./delivery.ts";

/** Settings of a timer service. */
export interface TimerOptions {
  db: Db;
  botId: string;
  registry: ConversationRegistry;
  delivery: Delivery;
  log: Logger;
  clock: () => number;
  intervalMs?: number;
}

/** See the module comment. */
export class TimerService {
  readonly #o: TimerOptions;
  #interval: ReturnType<typeof setInterval> | undefined;
  #ticking: Promise<void> | undefined;
  /** Timers fired since start. */
  fired = 0;

  constructor(options: TimerOptions) {
    this.#o = options;
  }

  /** Starts checking. */
  start(): void {
    this.#interval = setInterval(() => void this.tick(), this.#o.intervalMs ?? 1000);
    (this.#interval as { unref?: () => void }).unref?.();
  }

  /** Fires every due timer now; concurrent calls share one run (a timer never fires twice). */
  tick(): Promise<void> {
    this.#ticking ??= this.#fire().finally(() => {
      this.#ticking = undefined;
    });
    return this.#ticking;
  }

  /** Stops checking and waits for a running check. */
  async stop(): Promise<void> {
    clearInterval(this.#interval);
    await this.#ticking;
  }

  async #fire(): Promise<void> {
    const o = this.#o;
    try {
      const due = await dueTimers(o.db, o.botId, o.clock());
      if (due.length === 0) return;
      const applied = await o.registry.apply(due.map((t) => ({ chatId: t.chatId, event: { type: "timer" as const, kind: t.kind } })));
      // A timer whose conversation is gone (or that nobody cleared) must not fire forever.
      for (const t of due) await deleteTimerIfUnchanged(o.db, o.botId, t);
      this.fired += due.length;
      for (const chatId of new Set(applied.filter((a) => a.intents.length > 0).map((a) => a.chatId))) o.delivery.kick(chatId);
    } catch (error) {
      o.log.error("timers could not be fired; will retry", { error: String(error) });
    }
  }
}
