/**
 * The Kysely table types. Every table is keyed by `bot_id` first: one store serves many bots.
 * JSON columns are stored as text and parsed by the repositories, never by callers. Integer
 * columns read back as JS numbers on every dialect (see `StoreDialect.open`). Only types both
 * engines share: `text`, `integer`, `bigint` (ids and times that may pass 2^31); flags are
 * integers 0/1 rather than booleans, and binary values (MTProto keys) are base64 text.
 */
import type { Generated, Kysely } from "kysely";

/** Updates accepted from a source; `processed` flips in the same transaction as the step they caused. */
export interface InboxTable {
  bot_id: string;
  update_id: number;
  payload: string;
  received_at: number;
  processed: number;
  /** What the update is, for sources that may deliver it twice under different ids (MTProto catch-up). */
  source_key?: string | null;
}

/**
 * Updates set aside because they cannot be processed (a value of the wrong type, no usable id,
 * not storable): kept for inspection (`switchboard inbox --dead`), never retried. `digest`
 * identifies the raw text, so a re-delivery of the same body is kept once.
 */
export interface DeadLettersTable {
  id: Generated<number>;
  bot_id: string;
  /** Where it came from: polling, webhook, mtproto, proxy, inbox (an older row), processor. */
  source: string;
  update_id: number | null;
  reason: string;
  raw: string;
  digest: string;
  received_at: number;
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

/** Intents waiting for delivery, ordered by `id` within a conversation (`chat_id`, its delivery lane). */
export interface OutboxTable {
  id: Generated<number>;
  bot_id: string;
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
  /** The chat (or user) whose updates go to the webhook in order (see proxy-lanes.ts). */
  lane: string;
  /** When it was queued (ms). */
  queued_at: number;
  /** Posts the webhook refused so far. */
  attempts: number;
  /** Not posted again before this time (ms). */
  next_at: number;
}

/** MTProto session key/value facts (DCs, salts, update state), values base64. */
export interface MtprotoKvTable {
  bot_id: string;
  key: string;
  value: string;
}

/** MTProto authorization keys; `idx` -1 is the permanent key, others temporary (PFS). */
export interface MtprotoAuthKeysTable {
  bot_id: string;
  dc: number;
  idx: number;
  key: string;
  expires: number;
}

/** Peers the MTProto session has seen (access hashes), as mtcute's storage describes them. */
export interface MtprotoPeersTable {
  bot_id: string;
  id: number;
  access_hash: string;
  is_min: number;
  usernames: string;
  updated: number;
  phone: string | null;
  complete: string;
}

/** Messages Switchboard itself sent to users, so MTProto echoes of them are not "intercepted". */
export interface MtprotoOwnSendsTable {
  bot_id: string;
  chat_id: number;
  message_id: number;
  sent_at: number;
}

/**
 * Topic creations in flight, one per title: written before `createForumTopic` is sent, removed
 * in the transaction that records the topic (its answer, or its service message adopted). A row
 * that outlives its attempt marks a creation in doubt; the title is the key that matches the
 * topic's `forum_topic_created` service message to it.
 */
export interface TopicRequestsTable {
  bot_id: string;
  name: string;
  chat_id: number;
  /** The createTopic row of the outbox this creation runs. */
  outbox_id: number;
  /** When the last attempt was sent (Clock ms). */
  sent_at: number;
}

/**
 * Idempotency keys of the Topics API's writing calls: the first answer to a key, kept so a
 * repeated call with the same key and body gets it again without acting twice.
 */
export interface ApiIdempotencyTable {
  bot_id: string;
  key: string;
  /** SHA-256 of the method, path and body: the same key with another request is refused. */
  request_digest: string;
  status: number;
  /** The JSON answer. */
  response: string;
  created_at: number;
}

/** The name an operator last wrote under, per bot (analytics show it beside their id). */
export interface OperatorNamesTable {
  bot_id: string;
  operator_id: string;
  name: string;
  updated_at: number;
}

/**
 * One thing analytics count (issue 14), written in the same transaction as the step or delivery
 * that caused it. `actor` is who did it (an operator's id, `api`, `autoclose`, `user`) or the
 * intent type for delivery rows, `''` when nobody in particular; `value` a duration in ms
 * (first response, resolution) or null.
 */
export interface AnalyticsEventsTable {
  bot_id: string;
  chat_id: number;
  kind: string;
  actor: string;
  at: number;
  value: number | null;
}

/** Detail rows past the retention period, folded into one row per (bot, UTC day, kind, actor). */
export interface AnalyticsDailyTable {
  bot_id: string;
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  kind: string;
  actor: string;
  count: number;
  /** The sum of the folded rows' values (0 for rows without one). */
  sum: number;
}

/**
 * Who owns a bot (several instances on one store): the lease of `owner` until `expires_at`.
 * `token` grows by one at every acquisition and is the fencing token every write of the
 * owner checks (store/leases.ts). A released lease has the owner `""`.
 */
export interface LeasesTable {
  bot_id: string;
  owner: string;
  token: number;
  acquired_at: number;
  renewed_at: number;
  expires_at: number;
}

/** The live instances: each writes its heartbeat every renewal; the spread of bots counts these. */
export interface InstancesTable {
  instance_id: string;
  started_at: number;
  heartbeat_at: number;
  /** Where it runs, for `switchboard status` (host name and pid). */
  host: string;
}

/** The whole database as Kysely sees it. */
export interface Database {
  inbox: InboxTable;
  dead_letters: DeadLettersTable;
  conversations: ConversationsTable;
  outbox: OutboxTable;
  message_map: MessageMapTable;
  timers: TimersTable;
  bot_state: BotStateTable;
  proxy_updates: ProxyUpdatesTable;
  mtproto_kv: MtprotoKvTable;
  mtproto_auth_keys: MtprotoAuthKeysTable;
  mtproto_peers: MtprotoPeersTable;
  mtproto_own_sends: MtprotoOwnSendsTable;
  topic_requests: TopicRequestsTable;
  api_idempotency: ApiIdempotencyTable;
  analytics_events: AnalyticsEventsTable;
  analytics_daily: AnalyticsDailyTable;
  operator_names: OperatorNamesTable;
  leases: LeasesTable;
  instances: InstancesTable;
}

/** The typed Kysely handle every repository takes (the store itself or a transaction of it). */
export type Db = Kysely<Database>;
