/**
 * Delivered intents are removed from the outbox (and their message pairs recorded) in one
 * transaction per turn of the event loop, shared by every lane that finished in that turn.
 * Under load this turns hundreds of small commits per second into a few; each lane still waits
 * for its own rows to be gone before it reads its next one, so order is unaffected.
 */
import { setImmediate } from "node:timers";
import type { MessagePair } from "../store/message-map.ts";
import { recordPairs } from "../store/message-map.ts";
import type { Db } from "../store/open.ts";
import { removeIntents } from "../store/outbox.ts";

/** One lane's finished delivery. */
export interface Completion {
  ids: number[];
  chatId: number;
  pairs: MessagePair[];
  now: number;
}

/** See the module comment. */
export class Completions {
  readonly #db: Db;
  readonly #botId: string;
  #pending: Completion[] = [];
  #flush: Promise<void> | undefined;

  constructor(db: Db, botId: string) {
    this.#db = db;
    this.#botId = botId;
  }

  /** Resolves once the completion is committed (together with those of the same turn). */
  complete(completion: Completion): Promise<void> {
    this.#pending.push(completion);
    this.#flush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#commit());
    return this.#flush;
  }

  async #commit(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    this.#flush = undefined;
    await this.#db.transaction().execute(async (tx) => {
      await removeIntents(tx, batch.flatMap((c) => c.ids));
      for (const c of batch) await recordPairs(tx, this.#botId, c.chatId, c.pairs, c.now);
    });
  }
}
