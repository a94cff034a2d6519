/**
 * The Kysely table types. Every table is keyed by `bot_id` first: one store serves many bots.
 * JSON columns are stored as text and parsed by the repositories, never by callers.
 */
import type { Generated } from "kysely";

/** Updates accepted from a source; `processed` flips in the same transaction as the step they caused. */
export interface InboxTable {
  bot_id: string;
  update_id: number;
  payload: string;
  received_at: number;
  processed: number;
}

/** One row per (bot, user chat): the persisted actor snapshot plus the columns routing needs. */
export interface ConversationsTable {
  bot_id: string;
  chat_id: number;
  topic_id: number | null;
  state: string;
  snapshot: string;
  user: string;
  created_at: number;
  updated_at: number;
}

/** Intents waiting for delivery, ordered by `id` within a `lane` (one lane per conversation). */
export interface OutboxTable {
  id: Generated<number>;
  bot_id: string;
  lane: string;
  chat_id: number;
  intent: string;
  attempts: number;
  not_before: number;
  created_at: number;
}

/** Original message ↔ copy, for replies and edits in both directions. */
export interface MessageMapTable {
  bot_id: string;
  chat_id: number;
  user_message_id: number;
  topic_message_id: number;
  created_at: number;
}

/** Durable timers (autoclose and friends): rows, not setTimeout, so they survive restarts. */
export interface TimersTable {
  bot_id: string;
  chat_id: number;
  kind: string;
  due_at: number;
}

/** Small per-bot key/value facts (the polling offset, counters). */
export interface BotStateTable {
  bot_id: string;
  key: string;
  value: string;
}

/** Updates queued for a parallel system behind the proxy, until it confirms them. */
export interface ProxyUpdatesTable {
  bot_id: string;
  update_id: number;
  payload: string;
}

/** The whole database as Kysely sees it. */
export interface Database {
  inbox: InboxTable;
  conversations: ConversationsTable;
  outbox: OutboxTable;
  message_map: MessageMapTable;
  timers: TimersTable;
  bot_state: BotStateTable;
  proxy_updates: ProxyUpdatesTable;
}
