/**
 * The delivery panel's counters: the bot's delivery and processor counts (summed over restarts),
 * what waits in the outbox and inbox, and the emulator's call and fault counts.
 */
import { type RawBuilder, sql } from "kysely";
import type { DeliveryStats } from "../../pipeline/delivery/context.ts";
import type { Running } from "../../run.ts";
import type { EmulatorCore } from "../emulator/mod.ts";
import type { StatsView } from "./types.ts";

type Counters = { delivery: DeliveryStats; processor: { processed: number; dropped: number } };

const zero = (): Counters => ({
  delivery: { delivered: 0, retried: 0, dropped: 0, rateLimited: 0, inDoubtResent: 0, topicsRecreated: 0 },
  processor: { processed: 0, dropped: 0 },
});

function countersOf(running: Running | undefined): Counters {
  const sum = zero();
  for (const bot of running?.bots ?? []) {
    for (const key of Object.keys(sum.delivery) as Array<keyof DeliveryStats>) sum.delivery[key] += bot.delivery.stats[key];
    sum.processor.processed += bot.processor.processed;
    sum.processor.dropped += bot.processor.dropped;
  }
  return sum;
}

function add(a: Counters, b: Counters): Counters {
  const out = zero();
  for (const key of Object.keys(out.delivery) as Array<keyof DeliveryStats>) out.delivery[key] = a.delivery[key] + b.delivery[key];
  out.processor.processed = a.processor.processed + b.processor.processed;
  out.processor.dropped = a.processor.dropped + b.processor.dropped;
  return out;
}

async function count(running: Running, query: RawBuilder<{ n: number }>): Promise<number> {
  const result = await query.execute(running.db);
  return Number(result.rows[0]?.n ?? 0);
}

/** Reads the counters; see the module comment. */
export class StatsTracker {
  #carried: Counters = zero();
  #armed = 0;
  readonly #core: EmulatorCore;

  constructor(core: EmulatorCore) {
    this.#core = core;
  }

  /** Keeps a stopping deployment's counts, so the panel counts since the sandbox started. */
  carry(running: Running): void {
    this.#carried = add(this.#carried, countersOf(running));
  }

  /** Records that `times` faulty calls were armed in the emulator. */
  armed(times: number): void {
    this.#armed += times;
  }

  /** Forgets armed faults (after the emulator's were cleared). */
  disarmed(): void {
    this.#armed = this.#core.stats().faultsInjected;
  }

  /** The counters now; `running` is undefined while the bot restarts. */
  async read(running: Running | undefined): Promise<StatsView> {
    const emu = this.#core.stats();
    const calls = Object.entries(emu.calls).reduce((n, [method, c]) => (method === "getUpdates" ? n : n + c), 0);
    let outbox = 0;
    let inbox = 0;
    if (running) {
      try {
        outbox = await count(running, sql<{ n: number }>`select count(*) as n from outbox`);
        inbox = await count(running, sql<{ n: number }>`select count(*) as n from inbox where processed = 0`);
      } catch {
        // The store is closing (a restart in progress); the next read tries again.
      }
    }
    const counters = add(this.#carried, countersOf(running));
    return {
      ...counters,
      outbox,
      inbox,
      activeLanes: running?.bots.reduce((n, b) => n + b.delivery.activeLanes, 0) ?? 0,
      emulator: { calls, faultsInjected: emu.faultsInjected, faultsArmed: Math.max(0, this.#armed - emu.faultsInjected) },
    };
  }
}
