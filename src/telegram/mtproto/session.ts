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
import * as Cause from "effect/Cause";
import * as Data from "effect/Data";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Queue from "effect/Queue";
import * as Scope from "effect/Scope";
import type { Db } from "../../store/open.ts";
import type { Logger } from "../../util/log.ts";
import { syntheticUpdateIds } from "../../util/synthetic-id.ts";
import { backoff } from "../../util/backoff-schedule.ts";
import { convertUpdate, type Me } from "./convert.ts";
import type { OwnSends } from "./own-sends.ts";
import { loadMtcute } from "./mtcute.ts";
import { createCrypto, createPlatform, tcpTransport } from "./runtime.ts";
import { sqlMtprotoStorage } from "./storage.ts";
import { realClock } from "../../util/real-clock.ts";

/** Builds the mtcute client; tests pass one answering from a fake server. */
export type MtprotoClientFactory = (options: BaseTelegramClientOptions) => BaseTelegramClient;

/** Options of {@link mtprotoSession}. */
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
  /** The bot's one generator of synthetic update ids (util/synthetic-id.ts); its own on `clock` when absent (tests). */
  nextUpdateId?: () => number;
}

/** A session running in a scope: closing the scope stops it, once the inbox has every update received. */
export interface ScopedMtprotoSession {
  /** Resolves once every update received so far is in the inbox. */
  drained(): Promise<void>;
  /** Updates and intercepted messages accepted so far (this run). */
  readonly stats: { accepted: number; refetched: number; intercepted: number; ownEchoes: number; skipped: number };
  /** The record of Switchboard's own sends the session checks outgoing messages against. */
  readonly ownSends: OwnSends;
}

/** A running session, for callers outside Effect (see {@link startMtprotoSession}). */
export interface MtprotoSession extends ScopedMtprotoSession {
  stop(): Promise<void>;
}

/** Telegram refused the session (bad api_id/api_hash, revoked token, another bot's token). */
export class MtprotoStartError extends Data.TaggedError("MtprotoStartError")<{ readonly message: string }> {}

/** One raw update as mtcute emits it. */
type RawUpdate = Parameters<Parameters<BaseTelegramClient["onRawUpdate"]["add"]>[0]>[0];

const KEY = Symbol("source key");
type Keyed = Update & { [KEY]?: string };

/**
 * Retries of the store's work (saving a batch, looking up an own send). The store is ours: a
 * failure is transient (busy, disk), and giving up would lose updates mtcute already counts as
 * received. So it never gives up; the update state is not saved meanwhile.
 */
const storeRetry = backoff("10 seconds");
/** The longest the start waits for mtcute's first catch-up (a big difference after a long stop). */
const catchUpWait = Duration.seconds(30);
/** Real time: the catch-up is network work, which a test clock must not cut short or stretch. */

/**
 * Logs in (or resumes the stored session) and starts receiving into the caller's scope: a fiber
 * drains the raw-update queue into the inbox. Closing the scope waits until the inbox has
 * every update received, saves the update state and disconnects.
 */
export const mtprotoSession = (o: MtprotoSessionOptions): Effect.Effect<ScopedMtprotoSession, MtprotoStartError, Scope.Scope> =>
  Effect.gen(function* () {
    const { log } = o;
    const m = yield* Effect.promise(() => loadMtcute());
    const convertContext = { me: o.me, MessageClass: m.core.Message };
    const nextId = o.nextUpdateId ?? syntheticUpdateIds(o.clock);
    const stats = { accepted: 0, refetched: 0, intercepted: 0, ownEchoes: 0, skipped: 0 };
    const clock = yield* Effect.clock;

    // Raw updates in arrival order; `received` counts them as they come, `handled` as the
    // drain fiber finishes them, so "drained" is "handled caught up with received then".
    // mtcute's storage asks before every save of the update state (usually with an update just
    // received), so waiting is a plain promise: a fiber per wait would cost more than the wait.
    // Waiters are in `received` order, so the caught-up ones are always at the front.
    const queue = yield* Queue.unbounded<RawUpdate>();
    let received = 0;
    let handled = 0;
    const waiters: Array<{ readonly upTo: number; readonly resolve: () => void }> = [];
    const drained = (): Promise<void> =>
      handled >= received ? Promise.resolve() : new Promise((resolve) => waiters.push({ upTo: received, resolve }));
    const markHandled = (count: number) =>
      Effect.sync(() => {
        handled += count;
        while (waiters.length > 0 && waiters[0].upTo <= handled) waiters.shift()!.resolve();
      });

    /**
     * Retries the store's `work` on {@link storeRetry}, logging every failure. The schedule is
     * set up only after a first failure (most calls succeed, and a retry costs per call): that
     * failure is replayed as its first try, so the schedule's first delay follows it.
     */
    const persistently = <A>(what: string, work: Effect.Effect<A, unknown>): Effect.Effect<A> =>
      Effect.catchAll(work, (first) => {
        let attempt = 0;
        let next: Effect.Effect<A, unknown> = Effect.fail(first);
        const tryOnce = Effect.suspend(() => {
          const now = next;
          next = work;
          return now;
        });
        return tryOnce.pipe(
          Effect.tapError((error) => Effect.sync(() => log.error(`${what}; retrying`, { attempt: ++attempt, error: String(error instanceof Cause.UnknownException ? error.error : error) }))),
          Effect.retry(storeRetry),
          // Unreachable: the schedule never ends.
          Effect.orDie,
        );
      });

    /** Converts a batch, tells own sends from the other system's, and saves it in one transaction. */
    const handle = (batch: readonly RawUpdate[]) =>
      Effect.gen(function* () {
        const updates: Keyed[] = [];
        for (const { update, peers } of batch) {
          const converted = convertUpdate(update, peers, convertContext);
          if (converted.kind === "skip") {
            stats.skipped++;
            log.debug("mtproto update not used", { reason: converted.reason });
          } else if (converted.kind === "update") {
            updates.push({ update_id: nextId(), ...converted.body, [KEY]: converted.key } as Keyed);
          } else if (yield* persistently("cannot look up an own send", o.ownSends.isOwnEffect(converted.chatId, converted.message.message_id))) {
            stats.ownEchoes++;
          } else {
            // Counted once per message; its later edits update what the topic shows.
            if (!converted.edited) stats.intercepted++;
            const payload = { chat_id: converted.chatId, message: converted.message, ...(converted.edited ? { edited: true } : {}) };
            updates.push({ update_id: nextId(), switchboard_intercepted: payload, [KEY]: converted.key } as unknown as Keyed);
          }
        }
        if (updates.length === 0) return;
        const fresh = yield* persistently("cannot save MTProto updates in the inbox", Effect.tryPromise(() => o.accept(updates, (u) => (u as Keyed)[KEY])));
        stats.accepted += fresh;
        // Catch-up after a crash fetches again what the inbox already has: counted, not relayed.
        stats.refetched += updates.length - fresh;
      });

    // The drain fiber: waits for an update, then takes everything queued behind it as one batch.
    yield* Effect.forkScoped(Effect.forever(
      Effect.gen(function* () {
        const first = yield* Queue.take(queue);
        const batch = [first, ...(yield* Queue.takeAll(queue))];
        // A bug (not the store: that is retried) must not stop the session from receiving.
        yield* handle(batch).pipe(
          Effect.catchAllDefect((defect) => Effect.sync(() => log.error("MTProto updates could not be handled; dropped", { updates: batch.length, error: String(defect) }))),
        );
        yield* markHandled(batch.length);
      }),
    ));

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

    base.onRawUpdate.add((info) => {
      received++;
      queue.unsafeOffer(info);
    });
    // Connection states flap while Telegram is unreachable (every second): say so once a minute.
    let loggedIn = false;
    let connected = false;
    let lastWarning = 0;
    const startedAt = clock.unsafeCurrentTimeMillis();
    // mtcute says "updating" while it fetches the update state and catches up, "connected" after.
    // It also says "connected" whenever a connection becomes usable (a reconnection during the
    // catch-up): only its updates manager's own flag, cleared before it reports the end of the
    // catch-up, tells the two apart.
    let updating = false;
    const caughtUp: Array<() => void> = [];
    base.onConnectionState.add((state) => {
      if (state === "updating") updating = true;
      if (state === "connected" && !base.updates?.catchingUp) {
        updating = false;
        for (const resume of caughtUp.splice(0)) resume();
      }
    });
    base.onConnectionState.add((state) => {
      if (state === "connected") {
        if (loggedIn && !connected) log.info("MTProto session connected");
        connected = true;
        return;
      }
      const now = clock.unsafeCurrentTimeMillis();
      // Before the login, connecting is expected: only a start-up that drags on is worth a warning.
      if ((connected && loggedIn) || (now - lastWarning > 60_000 && now - startedAt > 10_000)) {
        log.warn(loggedIn ? `MTProto session ${state}; missed updates are fetched when it is back` : "still connecting to Telegram over MTProto; retrying");
        lastWarning = now;
      }
      connected = false;
    });
    base.onError.add((error) => log.debug("MTProto client error", { error: error.message }));

    // Runs before the drain fiber is interrupted (finalizers run last-added first): saves the
    // update state once the inbox has everything, and closes the connections.
    yield* Effect.addFinalizer(() => Effect.promise(() => drained().then(() => base.destroy()).catch(() => {})));

    log.info("connecting to Telegram over MTProto as an extra session of the bot");
    const self = yield* Effect.tryPromise({
      try: async () => {
        await base.prepare();
        return await client.start({ botToken: o.token });
      },
      catch: (error) => new MtprotoStartError({ message: `MTProto login failed: ${error instanceof Error ? error.message : String(error)} (check parallel.api_id and parallel.api_hash from my.telegram.org)` }),
    });
    if (self.id !== o.me.id) return yield* new MtprotoStartError({ message: `the MTProto session logged in as ${self.id}, but the token's bot is ${o.me.id}` });
    // The login starts mtcute's updates loop without waiting for it: a fresh session has no update
    // state yet, and whatever happens before Telegram answers getState is part of that state and
    // never pushed. Receiving starts once the state is there and the catch-up is done (at most
    // `catchUpWait`; updates arriving meanwhile are queued, not lost).
    if (updating) {
      const done = yield* Effect.async<boolean>((resume) => {
        const waiter = () => resume(Effect.succeed(true));
        caughtUp.push(waiter);
        return Effect.sync(() => {
          const at = caughtUp.indexOf(waiter);
          if (at >= 0) caughtUp.splice(at, 1);
        });
      }).pipe(Effect.timeoutTo({ duration: catchUpWait, onSuccess: (x) => x, onTimeout: () => false }), Effect.withClock(realClock));
      if (!done) log.warn("MTProto catch-up still running; receiving meanwhile", { waited_s: Duration.toSeconds(catchUpWait) });
    }
    loggedIn = true;
    log.info("MTProto session logged in and receiving");
    return { drained, stats, ownSends: o.ownSends };
  });

/**
 * {@link mtprotoSession} for callers outside Effect: the session runs in a scope of its own,
 * which `stop()` closes. Rejects with {@link MtprotoStartError} when Telegram refuses the login.
 */
export async function startMtprotoSession(o: MtprotoSessionOptions): Promise<MtprotoSession> {
  const scope = Effect.runSync(Scope.make());
  const stop = () => Effect.runPromise(Scope.close(scope, Exit.void));
  const started = await Effect.runPromiseExit(Scope.extend(mtprotoSession(o), scope));
  if (Exit.isFailure(started)) {
    await stop();
    throw Cause.squash(started.cause);
  }
  return { ...started.value, stop };
}
