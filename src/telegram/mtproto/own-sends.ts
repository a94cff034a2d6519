/**
 * Tells Switchboard's own sends from the other system's. In MTProto mode every message the bot
 * sends through the Bot API reaches our MTProto session as an outgoing message (`out = true`),
 * whoever sent it. Ours — relayed operator replies, welcomes, notices — must not come back as
 * "intercepted". The Bot API client is wrapped: before a send to a user's chat, the chat counts
 * one send in flight; after it, the new message ids are remembered (in memory, and in
 * `mtproto_own_sends` for catch-up after a restart). An outgoing message is ours if its id is
 * known; while sends to its chat are in flight, the answer waits for them, because Telegram
 * may push the echo before the HTTP answer arrives.
 */
import * as Deferred from "effect/Deferred";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as FiberId from "effect/FiberId";
import type { TelegramClient } from "../client.ts";
import { isSendingMethod } from "../sending-methods.ts";
import type { Db } from "../../store/open.ts";
import type { Logger } from "../../util/log.ts";

/** In-memory ids are enough for live echoes; older ones are looked up in the store. */
const REMEMBER_MS = 10 * 60_000;
/** The longest a classification waits for sends in flight (a send's HTTP timeout is shorter). */
const maxWait = Duration.seconds(90);

/** Message ids in a Bot API result: a Message, a MessageId, or a list of either. */
function idsOf(result: unknown): number[] {
  const list = Array.isArray(result) ? result : [result];
  return list.flatMap((r) => (r && typeof r === "object" && typeof (r as { message_id?: unknown }).message_id === "number" ? [(r as { message_id: number }).message_id] : []));
}

/** The sends in flight to one chat, and what completes when the last of them ends (made only when a classification waits). */
interface InFlight {
  count: number;
  settled: Deferred.Deferred<void> | undefined;
}

/** See the module comment. */
export class OwnSends {
  readonly #db: Db;
  readonly #botId: string;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #recent = new Map<string, number>();
  readonly #inflight = new Map<number, InFlight>();
  /** How often a classification had to wait for sends in flight (the echo came first). */
  readonly stats = { waited: 0 };

  constructor(o: { db: Db; botId: string; log: Logger; clock?: () => number }) {
    this.#db = o.db;
    this.#botId = o.botId;
    this.#log = o.log;
    this.#clock = o.clock ?? Date.now;
  }

  /** The client Switchboard sends with, recording every send to a user's chat. */
  wrap(client: TelegramClient): TelegramClient {
    return {
      apiRoot: client.apiRoot,
      // Uploads go to the operators' group only (exports, reports): nothing to record.
      upload: client.upload,
      call: (method, params, options) => {
        const chatId = (params as { chat_id?: unknown } | undefined)?.chat_id;
        if (!isSendingMethod(method) || typeof chatId !== "number" || chatId <= 0) return client.call(method, params, options);
        return Effect.suspend(() => {
          this.#begin(chatId);
          return client.call(method, params, options).pipe(
            Effect.tap((result) => Effect.promise(() => this.#record(chatId, idsOf(result)))),
            Effect.ensuring(Effect.sync(() => this.#end(chatId))),
          );
        });
      },
    };
  }

  /**
   * Whether an outgoing message in a user's chat was sent by Switchboard. While sends to the
   * chat are in flight and none of them has named this message yet, it waits for them (on the
   * Clock, at most 90 s); fails only if the store cannot be read.
   */
  isOwnEffect(chatId: number, messageId: number): Effect.Effect<boolean, unknown> {
    const key = `${chatId}:${messageId}`;
    const pending = () => (this.#recent.has(key) ? undefined : this.#inflight.get(chatId));
    // Each round waits for the sends in flight now; a send begun meanwhile makes another round.
    const awaitSends: Effect.Effect<void> = Effect.suspend(() => {
      const inFlight = pending();
      if (!inFlight) return Effect.void;
      inFlight.settled ??= Deferred.unsafeMake<void>(FiberId.none);
      return Effect.zipRight(Deferred.await(inFlight.settled), awaitSends);
    });
    const lookUp = Effect.suspend(() => {
      if (this.#recent.has(key)) return Effect.succeed(true);
      return Effect.tryPromise(() =>
        this.#db.selectFrom("mtproto_own_sends").select("message_id")
          .where("bot_id", "=", this.#botId).where("chat_id", "=", chatId).where("message_id", "=", messageId).executeTakeFirst()
      ).pipe(Effect.map((row) => row !== undefined));
    });
    return Effect.suspend(() => {
      // Most messages find nothing in flight: they pay for no timeout.
      if (!pending()) return lookUp;
      this.stats.waited++;
      return awaitSends.pipe(Effect.timeout(maxWait), Effect.ignore, Effect.zipRight(lookUp));
    });
  }

  /** {@link isOwnEffect} for callers outside Effect. */
  isOwn(chatId: number, messageId: number): Promise<boolean> {
    return Effect.runPromise(this.isOwnEffect(chatId, messageId));
  }

  /** Forgets stored ids older than `before` (catch-up never reaches that far back). */
  async prune(before: number): Promise<void> {
    await this.#db.deleteFrom("mtproto_own_sends").where("bot_id", "=", this.#botId).where("sent_at", "<", before).execute();
  }

  #begin(chatId: number): void {
    const inFlight = this.#inflight.get(chatId);
    if (inFlight) inFlight.count++;
    else this.#inflight.set(chatId, { count: 1, settled: undefined });
  }

  #end(chatId: number): void {
    const inFlight = this.#inflight.get(chatId);
    if (!inFlight || --inFlight.count > 0) return;
    this.#inflight.delete(chatId);
    if (inFlight.settled) Deferred.unsafeDone(inFlight.settled, Effect.void);
  }

  async #record(chatId: number, messageIds: number[]): Promise<void> {
    if (messageIds.length === 0) return;
    const now = this.#clock();
    for (const id of messageIds) this.#recent.set(`${chatId}:${id}`, now);
    for (const [key, at] of this.#recent) {
      // Insertion order is time order: stop at the first one still fresh.
      if (now - at < REMEMBER_MS) break;
      this.#recent.delete(key);
    }
    try {
      await this.#db.insertInto("mtproto_own_sends")
        .values(messageIds.map((message_id) => ({ bot_id: this.#botId, chat_id: chatId, message_id, sent_at: now })))
        .onConflict((c) => c.doNothing()).execute();
    } catch (error) {
      // Memory still knows it; only an echo replayed after a restart could be mistaken.
      this.#log.warn("could not store an own-send id", { chat_id: chatId, error: String(error) });
    }
  }
}
