/**
 * The MTProto session of `parallel: { mode: mtproto }`: Switchboard logs in to the bot as an
 * extra session (mtcute), while the other system keeps the Bot API's getUpdates or webhook.
 * Everything Switchboard receives comes from here; everything it sends still goes through the
 * Bot API client and the outbox.
 *
 * Durability: each raw update is converted and queued; the queue is written to the inbox in
 * order, one transaction per batch. mtcute stores its update state (pts…) only after emitting
 * updates, and our storage holds that write until the queue is empty (see storage.ts). A crash
 * therefore makes catch-up fetch again; the inbox's source keys drop what it already had.
 *
 * Gaps: mtcute tracks pts/qts/seq and fetches `getDifference` (channels: `getChannelDifference`)
 * on a gap, on start (catchUp) and after reconnecting. Unknown peers make it fetch a difference
 * too; a user still unknown is passed on with an empty name (the next message fills it in).
 */
import type { Update } from "@grammyjs/types";
import type { BaseTelegramClient, BaseTelegramClientOptions } from "@mtcute/core/client.js";
import type { Db } from "../../store/open.ts";
import type { Logger } from "../../util/log.ts";
import { syntheticUpdateIds } from "../../util/synthetic-id.ts";
import { backoffMs } from "../../util/backoff.ts";
import { convertUpdate, type Me } from "./convert.ts";
import type { OwnSends } from "./own-sends.ts";
import { loadMtcute } from "./mtcute.ts";
import { createCrypto, createPlatform, tcpTransport } from "./runtime.ts";
import { sqlMtprotoStorage } from "./storage.ts";

/** Builds the mtcute client; tests pass one answering from a fake server. */
export type MtprotoClientFactory = (options: BaseTelegramClientOptions) => BaseTelegramClient;

/** Options of {@link startMtprotoSession}. */
export interface MtprotoSessionOptions {
  db: Db;
  botId: string;
  token: string;
  apiId: number;
  apiHash: string;
  /** The bot as the Bot API's getMe sees it; the session must be the same bot. */
  me: Me;
  log: Logger;
  ownSends: OwnSends;
  /** Saves updates in the inbox (one transaction) and returns how many were new; `sourceKey` deduplicates re-fetched ones. */
  accept(updates: Update[], sourceKey: (u: Update) => string | undefined): Promise<number>;
  createClient?: MtprotoClientFactory;
  clock?: () => number;
}

/** A running session. */
export interface MtprotoSession {
  /** Resolves once every update received so far is in the inbox. */
  drained(): Promise<void>;
  /** Updates and intercepted messages accepted so far (this run). */
  readonly stats: { accepted: number; refetched: number; intercepted: number; ownEchoes: number; skipped: number };
  /** The record of Switchboard's own sends the session checks outgoing messages against. */
  readonly ownSends: OwnSends;
  stop(): Promise<void>;
}

/** Thrown when Telegram refuses the session (bad api_id/api_hash, revoked token). */
export class MtprotoStartError extends Error {
  override readonly name = "MtprotoStartError";
}

const KEY = Symbol("source key");
type Keyed = Update & { [KEY]?: string };

/** Logs in (or resumes the stored session) and starts receiving. */
export async function startMtprotoSession(o: MtprotoSessionOptions): Promise<MtprotoSession> {
  const { log } = o;
  const m = await loadMtcute();
  const convertContext = { me: o.me, MessageClass: m.core.Message };
  const nextId = syntheticUpdateIds(o.clock);
  const stats = { accepted: 0, refetched: 0, intercepted: 0, ownEchoes: 0, skipped: 0 };
  const queue: Array<Parameters<Parameters<BaseTelegramClient["onRawUpdate"]["add"]>[0]>[0]> = [];
  let flushing: Promise<void> | undefined;
  const idle: Array<() => void> = [];

  const drained = (): Promise<void> => (queue.length === 0 && !flushing ? Promise.resolve() : new Promise((resolve) => idle.push(resolve)));
  const storage = sqlMtprotoStorage(o.db, o.botId, drained);

  const options: BaseTelegramClientOptions = {
    apiId: o.apiId,
    apiHash: o.apiHash,
    storage,
    crypto: createCrypto(m),
    transport: tcpTransport(m),
    platform: createPlatform(log, o.clock),
    // catchUp: after a restart, fetch what happened while we were away (getDifference).
    updates: { catchUp: true },
    // Our shutdown destroys the client itself; mtcute's exit hooks would race it.
    storageOptions: { cleanup: false },
  };
  const base = (o.createClient ?? ((opts) => new m.client.BaseTelegramClient(opts)))(options);
  const client = new m.client.TelegramClient({ client: base });

  const flush = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue.splice(0, queue.length);
      const updates: Keyed[] = [];
      for (const { update, peers } of batch) {
        const converted = convertUpdate(update, peers, convertContext);
        if (converted.kind === "skip") {
          stats.skipped++;
          log.debug("mtproto update not used", { reason: converted.reason });
        } else if (converted.kind === "update") {
          updates.push({ update_id: nextId(), ...converted.body, [KEY]: converted.key } as Keyed);
        } else if (await o.ownSends.isOwn(converted.chatId, converted.message.message_id)) {
          stats.ownEchoes++;
        } else {
          // Counted once per message; its later edits update what the topic shows.
          if (!converted.edited) stats.intercepted++;
          const payload = { chat_id: converted.chatId, message: converted.message, ...(converted.edited ? { edited: true } : {}) };
          updates.push({ update_id: nextId(), switchboard_intercepted: payload, [KEY]: converted.key } as unknown as Keyed);
        }
      }
      const fresh = await acceptWithRetry(updates);
      stats.accepted += fresh;
      // Catch-up after a crash fetches again what the inbox already has: counted, not relayed.
      stats.refetched += updates.length - fresh;
    }
  };
  const acceptWithRetry = async (updates: Keyed[]): Promise<number> => {
    if (updates.length === 0) return 0;
    // The store is ours: a failure is transient (busy, disk), and giving up would lose updates
    // mtcute already counts as received. Keep trying; pts is not saved meanwhile.
    for (let attempt = 1; ; attempt++) {
      try {
        return await o.accept(updates, (u) => (u as Keyed)[KEY]);
      } catch (error) {
        log.error("cannot save MTProto updates in the inbox; retrying", { attempt, error: String(error) });
        await new Promise((r) => setTimeout(r, backoffMs(attempt, 10_000)));
      }
    }
  };
  const kick = () => {
    flushing ??= flush().finally(() => {
      flushing = undefined;
      if (queue.length > 0) kick();
      else for (const wake of idle.splice(0)) wake();
    });
  };

  base.onRawUpdate.add((info) => {
    queue.push(info);
    kick();
  });
  // Connection states flap while Telegram is unreachable (every second): say so once a minute.
  let loggedIn = false;
  let connected = false;
  let lastWarning = 0;
  const startedAt = Date.now();
  base.onConnectionState.add((state) => {
    if (state === "connected") {
      if (loggedIn && !connected) log.info("MTProto session connected");
      connected = true;
      return;
    }
    const now = Date.now();
    // Before the login, connecting is expected: only a start-up that drags on is worth a warning.
    if ((connected && loggedIn) || (now - lastWarning > 60_000 && now - startedAt > 10_000)) {
      log.warn(loggedIn ? `MTProto session ${state}; missed updates are fetched when it is back` : "still connecting to Telegram over MTProto; retrying");
      lastWarning = now;
    }
    connected = false;
  });
  base.onError.add((error) => log.debug("MTProto client error", { error: error.message }));

  log.info("connecting to Telegram over MTProto as an extra session of the bot");
  try {
    await base.prepare();
    const self = await client.start({ botToken: o.token });
    if (self.id !== o.me.id) throw new MtprotoStartError(`the MTProto session logged in as ${self.id}, but the token's bot is ${o.me.id}`);
    loggedIn = true;
    log.info("MTProto session logged in and receiving");
  } catch (error) {
    await base.destroy().catch(() => {});
    if (error instanceof MtprotoStartError) throw error;
    throw new MtprotoStartError(`MTProto login failed: ${error instanceof Error ? error.message : String(error)} (check parallel.api_id and parallel.api_hash from my.telegram.org)`);
  }

  return {
    drained,
    stats,
    ownSends: o.ownSends,
    async stop() {
      await drained();
      // Saves the update state (after the inbox has everything) and closes connections.
      await base.destroy();
    },
  };
}
