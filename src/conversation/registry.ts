/**
 * The actor registry of one bot: hydrates conversations from the store when an event arrives,
 * steps them, commits, and keeps only recently used snapshots in memory (an LRU), so memory
 * follows the number of *active* conversations, not stored ones.
 *
 * Every step of a bot goes through `apply`, one batch at a time: the router, delivery results
 * and timers all feed it, and serialising them is what makes read-step-write safe without
 * row locks. A step is microseconds of CPU; the batch's single transaction is the real cost.
 */
import { commitBatch, type ConversationChange } from "../pipeline/commit.ts";
import { loadConversation, type ConversationRow } from "../store/conversations.ts";
import type { Db } from "../store/open.ts";
import type { ConversationEvent, UserProfile } from "./events.ts";
import type { Intent } from "./intents.ts";
import type { ConversationMachine } from "./machine.ts";
import { step } from "./step.ts";

/** One event for one conversation, optionally caused by an inbox update. */
export interface Envelope {
  chatId: number;
  event: ConversationEvent;
  /** Needed to start a conversation never seen before. */
  user?: UserProfile;
  updateId?: number;
}

/** What a batch produced, per conversation. */
export interface Applied {
  chatId: number;
  intents: Intent[];
  state: string;
}

/** Observer for transitions (logs, the sandbox's state panel, tests). */
export type TransitionListener = (t: { chatId: number; event: ConversationEvent["type"]; from: string | undefined; to: string; status: string | undefined; intents: Intent["type"][] }) => void;

/** See the module comment. */
export class ConversationRegistry {
  readonly #cache = new Map<number, ConversationRow>();
  #queue: Promise<unknown> = Promise.resolve();
  readonly #listeners = new Set<TransitionListener>();

  readonly #db: Db;
  readonly #botId: string;
  readonly #machine: ConversationMachine;
  readonly #clock: () => number;
  readonly #cacheSize: number;

  constructor(db: Db, botId: string, machine: ConversationMachine, clock: () => number = Date.now, cacheSize = 2_000) {
    this.#db = db;
    this.#botId = botId;
    this.#machine = machine;
    this.#clock = clock;
    this.#cacheSize = cacheSize;
  }

  /** Subscribes to transitions; returns the unsubscribe function. */
  onTransition(listener: TransitionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** How many snapshots are held in memory right now. */
  get cached(): number {
    return this.#cache.size;
  }

  /**
   * Steps every envelope in order and commits them together with `dropped` (updates that lead
   * nowhere but must still be marked processed). Batches run one after another.
   */
  apply(envelopes: readonly Envelope[], dropped: readonly number[] = []): Promise<Applied[]> {
    const run = this.#queue.then(() => this.#applyNow(envelopes, dropped));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #applyNow(envelopes: readonly Envelope[], dropped: readonly number[]): Promise<Applied[]> {
    const now = this.#clock();
    const working = new Map<number, ConversationRow>();
    const changes = new Map<number, ConversationChange>();
    const applied: Applied[] = [];
    const transitions: Parameters<TransitionListener>[0][] = [];
    for (const envelope of envelopes) {
      const current = working.get(envelope.chatId) ?? (await this.#hydrate(envelope.chatId));
      if (!current && !envelope.user) continue; // nothing to do for an unknown user (e.g. a block before any message)
      const user = envelope.user ?? current!.snapshot.context.user;
      const result = step(this.#machine, current?.snapshot, { chatId: envelope.chatId, user }, envelope.event);
      const row: ConversationRow = { chatId: envelope.chatId, topicId: result.snapshot.context.topicId, state: result.state, snapshot: result.snapshot };
      working.set(envelope.chatId, row);
      const change = changes.get(envelope.chatId) ?? { row, intents: [] };
      change.row = row;
      change.intents.push(...result.intents);
      changes.set(envelope.chatId, change);
      applied.push({ chatId: envelope.chatId, intents: result.intents, state: result.state });
      transitions.push({ chatId: envelope.chatId, event: envelope.event.type, from: current?.state, to: result.state, status: result.status, intents: result.intents.map((i) => i.type) });
    }
    const processed = [...envelopes.flatMap((e) => (e.updateId === undefined ? [] : [e.updateId])), ...dropped];
    try {
      await commitBatch(this.#db, this.#botId, [...changes.values()], processed, now);
    } catch (error) {
      // The cache may hold nothing the store does not: drop what this batch touched.
      for (const chatId of working.keys()) this.#cache.delete(chatId);
      throw error;
    }
    for (const [chatId, row] of working) this.#remember(chatId, row);
    for (const t of transitions) for (const listener of this.#listeners) listener(t);
    return applied;
  }

  /** The conversation's current row (cache first), or undefined for a user never seen. */
  rowOf(chatId: number): Promise<ConversationRow | undefined> {
    return this.#hydrate(chatId);
  }

  /** The conversation's current topic id, or null while it has none. */
  async topicOf(chatId: number): Promise<number | null> {
    return (await this.#hydrate(chatId))?.topicId ?? null;
  }

  async #hydrate(chatId: number): Promise<ConversationRow | undefined> {
    const cached = this.#cache.get(chatId);
    if (cached) return cached;
    return loadConversation(this.#db, this.#botId, chatId);
  }

  #remember(chatId: number, row: ConversationRow): void {
    // Map keeps insertion order: delete + set moves the entry to the young end.
    this.#cache.delete(chatId);
    this.#cache.set(chatId, row);
    while (this.#cache.size > this.#cacheSize) this.#cache.delete(this.#cache.keys().next().value!);
  }
}
