/**
 * Deliveries that may record a message pair, from the start of their call until their result
 * is committed. An operator's reaction names only the reacted message, and the router finds its
 * conversation by the pair its relaying recorded. A reaction made the moment a copy appears
 * (Telegram shows the copy before Switchboard has its answer, let alone committed it) would find
 * no pair: the router then waits for the deliveries that were in flight when it looked, and
 * looks again. Only a reaction on a message with no pair waits, and only for sends already
 * under way, so a reaction on a message that was never relayed (a comment) costs at most the
 * round trip of those sends.
 */
import * as Clock from "effect/Clock";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import type { Intent } from "../../conversation/intents.ts";

/** Intents whose delivery records message pairs (outcomes.ts `done.pairs`). */
const pairing: ReadonlySet<Intent["type"]> = new Set<Intent["type"]>(["copyToTopic", "copyToUser", "sendToTopic", "templateToUser"]);

/** Whether delivering `intent` may record a pair a reaction is routed by. */
export const recordsPairs = (intent: Intent): boolean => pairing.has(intent.type);

/** The longest a lookup waits for deliveries in flight (a hung call must not stall the processor long). */
export const longestWait = Duration.seconds(10);

// Real time, as for a network call's deadline: a test clock must not cut or stretch the wait.
const realClock = Clock.make();

/** See the module comment. */
export class PairsInFlight {
  #next = 0;
  readonly #open = new Set<number>();
  readonly #waiters = new Set<{ ids: Set<number>; resume: () => void }>();

  /** Deliveries under way now. */
  get size(): number {
    return this.#open.size;
  }

  /** Runs `delivery`, counted as in flight until it has ended, whichever way. */
  track<A, E, R>(delivery: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.acquireUseRelease(
      Effect.sync(() => this.#begin()),
      () => delivery,
      (id) => Effect.sync(() => this.#end(id)),
    );
  }

  /**
   * Looks `lookup` up; when it finds nothing while deliveries were in flight, waits until those
   * have ended (at most {@link longestWait}) and looks once more. The deliveries are noted
   * before the first look: one whose commit that look missed is among them.
   */
  lookUp<A>(lookup: () => Promise<A | undefined>): Promise<A | undefined> {
    const before = new Set(this.#open);
    return lookup().then((found) => {
      if (found !== undefined || before.size === 0) return found;
      return Effect.runPromise(this.#ended(before).pipe(Effect.timeout(longestWait), Effect.ignore, Effect.withClock(realClock))).then(lookup);
    });
  }

  #begin(): number {
    const id = ++this.#next;
    this.#open.add(id);
    return id;
  }

  #end(id: number): void {
    this.#open.delete(id);
    for (const waiter of this.#waiters) {
      waiter.ids.delete(id);
      if (waiter.ids.size > 0) continue;
      this.#waiters.delete(waiter);
      waiter.resume();
    }
  }

  /** Resumes once every delivery of `ids` has ended. */
  #ended(ids: ReadonlySet<number>): Effect.Effect<void> {
    return Effect.async((resume) => {
      const open = new Set([...ids].filter((id) => this.#open.has(id)));
      if (open.size === 0) return resume(Effect.void);
      const waiter = { ids: open, resume: () => resume(Effect.void) };
      this.#waiters.add(waiter);
      return Effect.sync(() => void this.#waiters.delete(waiter));
    });
  }
}
