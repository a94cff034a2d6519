/**
 * Deliveries that may record a message pair, from the start of their call until their result
 * is committed. An operator's reaction names only the reacted message, and the router finds its
 * conversation by the pair its relaying recorded. A reaction made the moment a copy appears
 * (Telegram shows the copy before Switchboard has its answer, let alone committed it) would find
 * no pair. So each delivery's pairs are known here as soon as Telegram answers, before their
 * commit; and a reaction whose message is in neither place waits only for the deliveries that
 * could still produce it, and only until they are answered:
 * - a copy to the topic gets a new group message id, greater than every group message id known
 *   when its delivery began (ids in a supergroup only grow): a reaction on an older message
 *   (a colleague's note, a General message, seen by the router) cannot concern it;
 * - a copy to the user pairs the operator's topic message, whose id the delivery knows at once.
 * Routing runs one batch at a time, so this keeps a reaction on a message that was never relayed
 * from holding up every other conversation's updates behind unrelated sends.
 */
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import type { Intent } from "../../conversation/intents.ts";
import type { MessagePair } from "../../store/message-map.ts";
import { realClock } from "../../util/real-clock.ts";

/** Intents whose delivery records message pairs (outcomes.ts `done.pairs`). */
const pairing: ReadonlySet<Intent["type"]> = new Set<Intent["type"]>(["copyToTopic", "copyToUser", "sendToTopic", "templateToUser"]);

/** Whether delivering `intent` may record a pair a reaction is routed by. */
export const recordsPairs = (intent: Intent): boolean => pairing.has(intent.type);

/** The topic-side message ids `intents` will pair that exist already (a copy to the user pairs the operator's message). */
export const knownTopicIds = (intents: readonly Intent[]): number[] => intents.flatMap((i) => (i.type === "copyToUser" ? [i.messageId] : []));

/** The longest a lookup waits for deliveries in flight (a hung call must not stall the processor long). */
export const longestWait = Duration.seconds(10);

// Real time, as for a network call's deadline: a test clock must not cut or stretch the wait.

/** A delivery in flight (see {@link PairsInFlight.begin}). */
export interface Flying {
  /** Hands the delivery's pairs over as soon as Telegram answered (before they are committed). */
  answered(chatId: number, pairs: readonly MessagePair[]): void;
  /** The delivery ended, answered or not: it can no longer produce a pair. */
  end(): void;
}

interface Flight {
  /** The greatest group message id known when it began: a new copy's id is greater. */
  readonly floor: number;
  /** Existing topic messages it pairs. */
  readonly known: readonly number[];
  /** Topic message id → chat, once Telegram answered. */
  answered?: Map<number, number>;
}

/** See the module comment. */
export class PairsInFlight {
  #next = 0;
  #newest = 0;
  readonly #open = new Map<number, Flight>();
  readonly #waiters = new Set<{ ids: Set<number>; resume: () => void }>();

  /** Deliveries under way now. */
  get size(): number {
    return this.#open.size;
  }

  /** Notes a group message the router saw (it exists: a copy begun from now on is newer). */
  seen(messageId: number): void {
    if (messageId > this.#newest) this.#newest = messageId;
  }

  /**
   * Counts a delivery as in flight from now until its `end`, which must be called whichever way
   * it ends (lanes.ts calls it where the send's other bookkeeping is undone). `known` are the
   * existing topic messages it pairs; `answered` hands over its pairs as soon as Telegram has
   * answered, before they are committed.
   */
  begin(known: readonly number[]): Flying {
    const id = ++this.#next;
    this.#open.set(id, { floor: this.#newest, known });
    return {
      answered: (chatId, pairs) => this.#answered(id, chatId, pairs),
      end: () => this.#end(id),
    };
  }

  /**
   * The chat of topic message `messageId`: from an answered delivery, else from `lookup` (the
   * store); when neither has it, waits until the deliveries that could still produce it are
   * answered or ended (at most {@link longestWait}) and looks once more. Which deliveries those
   * are is noted before the store is read: one whose commit that read missed is among them, or
   * was answered, and the memory is read again after the store.
   */
  lookUp(messageId: number, lookup: () => Promise<number | undefined>): Promise<number | undefined> {
    const inMemory = this.#inMemory(messageId);
    if (inMemory !== undefined) return Promise.resolve(inMemory);
    const candidates = this.#candidates(messageId);
    const again = () => lookup().then((found) => found ?? this.#inMemory(messageId));
    return again().then((found) => {
      if (found !== undefined || candidates.size === 0) return found;
      return Effect.runPromise(this.#settled(candidates).pipe(Effect.timeout(longestWait), Effect.ignore, Effect.withClock(realClock)))
        .then(() => this.#inMemory(messageId) ?? again());
    });
  }

  #inMemory(messageId: number): number | undefined {
    for (const flight of this.#open.values()) {
      const chatId = flight.answered?.get(messageId);
      if (chatId !== undefined) return chatId;
    }
    return undefined;
  }

  /** The unanswered deliveries that could pair `messageId`. */
  #candidates(messageId: number): Set<number> {
    const ids = new Set<number>();
    for (const [id, flight] of this.#open) {
      if (flight.answered === undefined && (messageId > flight.floor || flight.known.includes(messageId))) ids.add(id);
    }
    return ids;
  }

  #answered(id: number, chatId: number, pairs: readonly MessagePair[]): void {
    const flight = this.#open.get(id);
    if (!flight) return;
    flight.answered = new Map(pairs.map((p) => [p.topicMessageId, chatId]));
    for (const p of pairs) this.seen(p.topicMessageId);
    this.#settle(id);
  }

  #end(id: number): void {
    this.#open.delete(id);
    this.#settle(id);
  }

  /** Delivery `id` was answered or ended: wakes the lookups that waited only for such. */
  #settle(id: number): void {
    for (const waiter of this.#waiters) {
      waiter.ids.delete(id);
      if (waiter.ids.size > 0) continue;
      this.#waiters.delete(waiter);
      waiter.resume();
    }
  }

  /** Resumes once every delivery of `ids` has been answered or has ended. */
  #settled(ids: ReadonlySet<number>): Effect.Effect<void> {
    return Effect.async((resume) => {
      const open = new Set([...ids].filter((id) => this.#open.has(id) && this.#open.get(id)!.answered === undefined));
      if (open.size === 0) return resume(Effect.void);
      const waiter = { ids: open, resume: () => resume(Effect.void) };
      this.#waiters.add(waiter);
      return Effect.sync(() => void this.#waiters.delete(waiter));
    });
  }
}
