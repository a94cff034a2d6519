/**
 * Delivery: one lane per conversation, each draining its outbox rows strictly in order, many
 * lanes at once. A lane wakes when a commit queues work (`kick`) and sleeps when empty.
 * Results go back into the actor as events (topic created, user blocked) through the registry.
 */
import { Effect } from "effect";
import type { ConversationEvent } from "../conversation/events.ts";
import type { ConversationRegistry } from "../conversation/registry.ts";
import type { Intent } from "../conversation/intents.ts";
import { displayName, topicTitle } from "../conversation/title.ts";
import type { Db } from "../store/open.ts";
import { chatsWithPendingIntents, deferIntent, enqueueIntents, laneHead, removeIntents, type OutboxRow as StoredIntent } from "../store/outbox.ts";
import { topicSideOf, userSideOf } from "../store/message-map.ts";
import type { TelegramClient } from "../telegram/client.ts";
import { backoffMs } from "../util/backoff.ts";
import type { Logger } from "../util/log.ts";
import { Completions } from "./completions.ts";
import { classifyFailure, execute, type Outcome, userBound } from "./execute.ts";
import type { RateLimiter } from "./rate-limits.ts";

/** A queued intent of the conversation machine. */
type OutboxRow = StoredIntent<Intent>;

/** Counters for logs, the sandbox panel and benchmarks. */
export interface DeliveryStats {
  delivered: number;
  retried: number;
  dropped: number;
  rateLimited: number;
  inDoubtResent: number;
  topicsRecreated: number;
}

/** Settings of a delivery engine. */
export interface DeliveryOptions {
  db: Db;
  botId: string;
  groupId: number;
  client: TelegramClient;
  registry: ConversationRegistry;
  limiter: RateLimiter;
  log: Logger;
  /** How long an album may still grow after its newest item was committed. */
  albumSettleMs?: number;
  /** The name shown in topic titles (an alias under hide_info). */
  nameOf?: (user: import("../conversation/events.ts").UserProfile) => string;
  clock?: () => number;
}

interface Lane {
  dirty: boolean;
  running: Promise<void>;
}

const maxAlbum = 10;
/**
 * Lanes draining at once. Each holds at most one Bot API call; more would only queue on the
 * HTTP agent's sockets and the store's single writer, and cost memory per open request.
 */
const maxActiveLanes = 64;
/** A lane that must wait longer than this gives its slot back and is woken by a timer. */
const parkAfterMs = 50;

/** See the module comment. */
export class Delivery {
  readonly stats: DeliveryStats = { delivered: 0, retried: 0, dropped: 0, rateLimited: 0, inDoubtResent: 0, topicsRecreated: 0 };
  readonly #o: Required<DeliveryOptions>;
  readonly #lanes = new Map<number, Lane>();
  /** Lanes with work that wait for a free slot, oldest first. */
  readonly #queued = new Set<number>();
  readonly #parked = new Map<number, ReturnType<typeof setTimeout>>();
  readonly #wakers = new Set<() => void>();
  readonly #completions: Completions;
  #stopping = false;

  constructor(options: DeliveryOptions) {
    this.#o = { albumSettleMs: 400, clock: Date.now, nameOf: displayName, ...options };
    this.#completions = new Completions(this.#o.db, this.#o.botId);
  }

  /**
   * Restarts every lane that has queued rows (after a restart or crash). A lane sends one row at
   * a time, so only each lane's head can have been in flight when the process stopped: those are
   * the sends *in doubt*, resent (never dropped) and counted.
   */
  async resume(): Promise<void> {
    const chats = await chatsWithPendingIntents(this.#o.db, this.#o.botId);
    this.stats.inDoubtResent += chats.length;
    if (chats.length > 0) this.#o.log.info("resuming delivery; the first queued send of each conversation may repeat one that was in flight", { conversations: chats.length });
    for (const chatId of chats) this.kick(chatId);
  }

  /** Wakes a conversation's lane (or marks it to look again if it is running). */
  kick(chatId: number): void {
    if (this.#stopping) return;
    const lane = this.#lanes.get(chatId);
    if (lane) {
      lane.dirty = true;
      return;
    }
    if (this.#lanes.size >= maxActiveLanes) {
      this.#queued.add(chatId);
      return;
    }
    this.#queued.delete(chatId);
    const fresh: Lane = { dirty: false, running: Promise.resolve() };
    this.#lanes.set(chatId, fresh);
    fresh.running = this.#drain(chatId, fresh).finally(() => {
      this.#lanes.delete(chatId);
      const next = this.#queued.values().next();
      if (!next.done) this.kick(next.value);
    });
  }

  /** Ends the lane's turn and wakes it again after `ms`, so waiting holds no slot. */
  #park(chatId: number, ms: number): void {
    clearTimeout(this.#parked.get(chatId));
    this.#parked.set(chatId, setTimeout(() => {
      this.#parked.delete(chatId);
      this.kick(chatId);
    }, ms));
  }

  /** Number of lanes working right now. */
  get activeLanes(): number {
    return this.#lanes.size;
  }

  /** Lets in-flight calls finish, then stops every lane. Queued rows stay for the next start. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const timer of this.#parked.values()) clearTimeout(timer);
    this.#parked.clear();
    this.#queued.clear();
    for (const wake of this.#wakers) wake();
    await Promise.allSettled([...this.#lanes.values()].map((l) => l.running));
  }

  async #drain(chatId: number, lane: Lane): Promise<void> {
    for (;;) {
      if (this.#stopping) return;
      lane.dirty = false;
      let rows: OutboxRow[];
      try {
        // Usually the head alone; an album item needs the rows after it to find the album's end.
        rows = await laneHead<Intent>(this.#o.db, this.#o.botId, chatId, 1);
        if (rows.length === 1 && albumOf(rows[0].intent)) rows = await laneHead<Intent>(this.#o.db, this.#o.botId, chatId, maxAlbum + 1);
      } catch (error) {
        this.#o.log.error("outbox read failed; lane pauses", { chat: chatId, error: String(error) });
        await this.#sleep(1000);
        continue;
      }
      if (rows.length === 0) {
        if (lane.dirty) continue;
        return;
      }
      const now = this.#o.clock();
      const head = rows[0];
      if (head.notBefore > now) {
        if (head.notBefore - now > parkAfterMs) return this.#park(chatId, head.notBefore - now);
        await this.#sleep(head.notBefore - now);
        continue;
      }
      const batch = this.#batchOf(rows);
      if (batch === "wait") {
        if (this.#o.albumSettleMs > parkAfterMs) return this.#park(chatId, this.#o.albumSettleMs);
        await this.#sleep(this.#o.albumSettleMs);
        continue;
      }
      const wait = this.#o.limiter.reserve(targetChat(head.intent, chatId, this.#o.groupId));
      if (wait > 0) {
        if (wait > parkAfterMs) return this.#park(chatId, wait);
        await this.#sleep(wait);
        continue;
      }
      try {
        await this.#deliver(chatId, batch);
      } catch (error) {
        // A store failure mid-delivery: nothing was removed, so the rows are retried.
        this.#o.log.error("delivery step failed; retrying", { chat: chatId, error: String(error) });
        await this.#sleep(1000);
      }
    }
  }

  /** The head row alone, or a whole album of consecutive copies; "wait" while it may still grow. */
  #batchOf(rows: OutboxRow[]): OutboxRow[] | "wait" {
    const head = rows[0];
    const group = albumOf(head.intent);
    if (!group) return [head];
    const batch = [head];
    for (const row of rows.slice(1)) {
      if (albumOf(row.intent) !== group || row.intent.type !== head.intent.type) return batch;
      batch.push(row);
    }
    const newest = batch[batch.length - 1].createdAt;
    const settled = batch.length >= maxAlbum || this.#o.clock() - newest >= this.#o.albumSettleMs;
    return settled || this.#stopping ? batch : "wait";
  }

  async #deliver(chatId: number, batch: OutboxRow[]): Promise<void> {
    const o = this.#o;
    const head = batch[0];
    const topicId = await o.registry.topicOf(chatId);
    const outcome: Outcome = await Effect.runPromise(execute(batch.map((r) => r.intent), {
      client: o.client,
      groupId: o.groupId,
      chatId,
      topicId,
      attempts: head.attempts,
      topicSideOf: (id) => topicSideOf(o.db, o.botId, chatId, id),
      userSideOf: (id) => userSideOf(o.db, o.botId, chatId, id),
    }));
    await this.#settle(chatId, batch, outcome);
  }

  async #settle(chatId: number, batch: OutboxRow[], outcome: Outcome): Promise<void> {
    const o = this.#o;
    const ids = batch.map((r) => r.id);
    const now = o.clock();
    switch (outcome.kind) {
      case "done":
        await this.#completions.complete({ ids, chatId, pairs: outcome.pairs, now });
        this.stats.delivered += batch.length;
        if (outcome.events.length > 0) await this.#feed(chatId, outcome.events);
        return;
      case "retry":
        this.stats.retried += 1;
        if (outcome.rateLimited) {
          this.stats.rateLimited += 1;
          o.limiter.pause(outcome.rateLimited.chatId, outcome.rateLimited.seconds);
        }
        o.log.warn("delivery will be retried", { chat: chatId, intent: batch[0].intent.type, in_ms: outcome.afterMs, reason: outcome.reason });
        for (const row of batch) await deferIntent(o.db, row.id, now + outcome.afterMs, row.attempts + 1);
        return;
      case "drop":
        this.stats.dropped += batch.length;
        o.log.warn("intent dropped", { chat: chatId, intent: batch[0].intent.type, reason: outcome.reason });
        await o.db.transaction().execute(async (tx) => {
          await removeIntents(tx, ids);
          if (outcome.notice) await enqueueIntents(tx, o.botId, chatId, [{ type: "sendToTopic", text: outcome.notice }], now);
        });
        if (outcome.notice) this.kick(chatId);
        await this.#feed(chatId, [
          ...outcome.events,
          ...batch.map((r) => ({ type: "delivery.failed" as const, intent: r.intent.type, reason: outcome.reason, ...("messageId" in r.intent ? { messageId: r.intent.messageId } : {}) })),
        ]);
        return;
      case "topic-lost":
        await this.#recreateTopic(chatId, batch);
        return;
      case "topic-closed":
        await this.#reopenTopic(chatId, batch);
        return;
    }
  }

  /** The topic was deleted: open a new one, say so in it, and let the lane retry the row there. */
  async #recreateTopic(chatId: number, batch: OutboxRow[]): Promise<void> {
    const o = this.#o;
    const row = await o.registry.rowOf(chatId);
    if (!row) return;
    const context = row.snapshot.context;
    const name = topicTitle(row.state === "closed" || row.state === "banned" ? "closed" : statusOf(row.snapshot.value), context.user, o.nameOf);
    const created = await Effect.runPromise(Effect.either(o.client.call("createForumTopic", { chat_id: o.groupId, name })));
    if (created._tag === "Left") {
      const outcome = classifyFailure({ type: "createTopic", name }, created.left, { attempts: batch[0].attempts, chatId, groupId: o.groupId });
      const after = outcome.kind === "retry" ? outcome.afterMs : backoffMs(batch[0].attempts + 1, 60_000);
      o.log.warn("could not re-create the deleted topic; will retry", { chat: chatId, reason: created.left._tag });
      for (const r of batch) await deferIntent(o.db, r.id, o.clock() + after, r.attempts + 1);
      return;
    }
    this.stats.topicsRecreated += 1;
    const hadTopic = row.topicId !== null;
    o.log.warn("topic was deleted; created a new one", { chat: chatId, old_topic: row.topicId, new_topic: created.right.message_thread_id });
    await o.registry.apply([{ chatId, event: { type: "topic.created", topicId: created.right.message_thread_id } }]);
    if (hadTopic) {
      // Straight to Telegram rather than the outbox: it must come first in the new topic.
      await Effect.runPromise(Effect.ignore(o.client.call("sendMessage", {
        chat_id: o.groupId,
        message_thread_id: created.right.message_thread_id,
        text: "ℹ️ The previous topic of this dialog was deleted. The conversation continues here; nothing was lost.",
      })));
    }
  }

  /**
   * The topic is closed in Telegram: reopen it, deliver, and close it again if the dialog is
   * closed (leave_closed relays into closed dialogs; operators may also close topics by hand).
   */
  async #reopenTopic(chatId: number, batch: OutboxRow[]): Promise<void> {
    const o = this.#o;
    const topicId = await o.registry.topicOf(chatId);
    if (topicId === null) return;
    const reopened = await Effect.runPromise(Effect.either(o.client.call("reopenForumTopic", { chat_id: o.groupId, message_thread_id: topicId })));
    if (reopened._tag === "Left") {
      for (const r of batch) await deferIntent(o.db, r.id, o.clock() + backoffMs(r.attempts + 1), r.attempts + 1);
      return;
    }
    await this.#deliver(chatId, batch);
    const state = (await o.registry.rowOf(chatId))?.state;
    if (state === "closed" || state === "banned") {
      await Effect.runPromise(Effect.ignore(o.client.call("closeForumTopic", { chat_id: o.groupId, message_thread_id: topicId })));
    }
  }

  async #feed(chatId: number, events: ConversationEvent[]): Promise<void> {
    const applied = await this.#o.registry.apply(events.map((event) => ({ chatId, event })));
    if (applied.some((a) => a.intents.length > 0)) this.kick(chatId);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(1, ms));
      this.#wakers.add(wake);
    });
  }
}

function albumOf(intent: Intent): string | undefined {
  return intent.type === "copyToTopic" || intent.type === "copyToUser" ? intent.mediaGroupId : undefined;
}

function targetChat(intent: Intent, chatId: number, groupId: number): number {
  if (intent.type === "sendToOperator") return intent.operatorId;
  return userBound(intent) ? chatId : groupId;
}

function statusOf(value: unknown): "user_answered" | "support_answered" {
  return typeof value === "object" && value !== null && (value as Record<string, string>)["topic-open"] === "support_answered"
    ? "support_answered"
    : "user_answered";
}
