/**
 * In-code migrations: plain functions, so the same list runs on Node and Deno without a
 * migrations folder on disk (Kysely's FileMigrationProvider needs dynamic imports of files).
 * One list for every engine: the few column definitions that differ come from the dialect.
 */
import { type Kysely, type Migration, Migrator, type NoMigrations, sql } from "kysely";
import type { StoreDialect } from "./dialect.ts";
import { laneOf } from "./proxy-lanes.ts";

const initial = (dialect: StoreDialect): Migration => ({
  async up(db: Kysely<any>) {
    await dialect.inboxArrival
      .column(db.schema.createTable("inbox"))
      .addColumn("bot_id", "text", (c) => c.notNull())
      // bigint: synthetic update ids (−ms × 1000) and millisecond times pass 2^31. SQLite stores
      // integer and bigint alike, so stores created when these said "integer" are the same.
      .addColumn("update_id", "bigint", (c) => c.notNull())
      .addColumn("payload", "text", (c) => c.notNull())
      .addColumn("received_at", "bigint", (c) => c.notNull())
      .addColumn("processed", "integer", (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint("inbox_pk", ["bot_id", "update_id"])
      .execute();
    await db.schema.createIndex("inbox_pending").on("inbox").columns([...dialect.inboxArrival.pendingIndex]).execute();

    await db.schema
      .createTable("conversations")
      .addColumn("bot_id", "text", (c) => c.notNull())
      .addColumn("chat_id", "bigint", (c) => c.notNull())
      .addColumn("topic_id", "integer")
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("snapshot", "text", (c) => c.notNull())
      .addColumn("user", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("conversations_pk", ["bot_id", "chat_id"])
      .execute();
    await db.schema.createIndex("conversations_topic").on("conversations").columns(["bot_id", "topic_id"]).execute();

    await dialect
      .autoIncrementId(db.schema.createTable("outbox"), "id")
      .addColumn("bot_id", "text", (c) => c.notNull())
      .addColumn("lane", "text", (c) => c.notNull())
      .addColumn("chat_id", "bigint", (c) => c.notNull())
      .addColumn("intent", "text", (c) => c.notNull())
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("not_before", "bigint", (c) => c.notNull().defaultTo(0))
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("outbox_lane").on("outbox").columns(["bot_id", "lane", "id"]).execute();

    await db.schema
      .createTable("message_map")
      .addColumn("bot_id", "text", (c) => c.notNull())
      .addColumn("chat_id", "bigint", (c) => c.notNull())
      .addColumn("user_message_id", "integer", (c) => c.notNull())
      .addColumn("topic_message_id", "integer", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("message_map_user").on("message_map").columns(["bot_id", "chat_id", "user_message_id"]).execute();
    await db.schema.createIndex("message_map_topic").on("message_map").columns(["bot_id", "topic_message_id"]).execute();

    await db.schema
      .createTable("timers")
      .addColumn("bot_id", "text", (c) => c.notNull())
      .addColumn("chat_id", "bigint", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("due_at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("timers_pk", ["bot_id", "chat_id", "kind"])
      .execute();
    await db.schema.createIndex("timers_due").on("timers").columns(["bot_id", "due_at"]).execute();

    await db.schema
      .createTable("bot_state")
      .addColumn("bot_id", "text", (c) => c.notNull())
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("value", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("bot_state_pk", ["bot_id", "key"])
      .execute();
  },
  async down(db: Kysely<any>) {
    for (const table of ["bot_state", "timers", "message_map", "outbox", "conversations", "inbox"]) {
      await db.schema.dropTable(table).execute();
    }
  },
});

const proxy: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("proxy_updates")
      .addColumn("bot_id", "text", (c) => c.notNull())
      .addColumn("update_id", "bigint", (c) => c.notNull())
      .addColumn("payload", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("proxy_updates_pk", ["bot_id", "update_id"])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable("proxy_updates").execute();
  },
};

/**
 * MTProto parallel mode: the session (keys, update state, peers) lives in our store, keyed by
 * bot, instead of a side file; `inbox.source_key` deduplicates updates that catch-up fetches
 * again after a crash; `mtproto_own_sends` tells our own Bot API sends from the other system's.
 */
const mtproto: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("mtproto_kv")
      .addColumn("bot_id", "text", (c) => c.notNull())
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("value", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("mtproto_kv_pk", ["bot_id", "key"])
      .execute();
    await db.schema
      .createTable("mtproto_auth_keys")
      .addColumn("bot_id", "text", (c) => c.notNull())
      .addColumn("dc", "integer", (c) => c.notNull())
      // -1 is the permanent key; 0… are temporary keys (PFS).
      .addColumn("idx", "integer", (c) => c.notNull())
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("expires", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("mtproto_auth_keys_pk", ["bot_id", "dc", "idx"])
      .execute();
    await db.schema
      .createTable("mtproto_peers")
      .addColumn("bot_id", "text", (c) => c.notNull())
      .addColumn("id", "bigint", (c) => c.notNull())
      .addColumn("access_hash", "text", (c) => c.notNull())
      .addColumn("is_min", "integer", (c) => c.notNull())
      .addColumn("usernames", "text", (c) => c.notNull())
      .addColumn("updated", "bigint", (c) => c.notNull())
      .addColumn("phone", "text")
      .addColumn("complete", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("mtproto_peers_pk", ["bot_id", "id"])
      .execute();
    await db.schema
      .createTable("mtproto_own_sends")
      .addColumn("bot_id", "text", (c) => c.notNull())
      .addColumn("chat_id", "bigint", (c) => c.notNull())
      .addColumn("message_id", "integer", (c) => c.notNull())
      .addColumn("sent_at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("mtproto_own_sends_pk", ["bot_id", "chat_id", "message_id"])
      .execute();
    await db.schema.alterTable("inbox").addColumn("source_key", "text").execute();
    // Partial: only MTProto updates carry a key, so Bot API inserts pay no index upkeep.
    await db.schema.createIndex("inbox_source_key").unique().on("inbox").columns(["bot_id", "source_key"]).where(sql.ref("source_key"), "is not", null).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex("inbox_source_key").execute();
    await db.schema.alterTable("inbox").dropColumn("source_key").execute();
    for (const table of ["mtproto_own_sends", "mtproto_peers", "mtproto_auth_keys", "mtproto_kv"]) {
      await db.schema.dropTable(table).execute();
    }
  },
};

/**
 * The outbox's `lane` column only repeated `chat_id` (as "c:<chat>"): dropped, and delivery
 * reads a conversation's queue by (bot, chat, id).
 */
const outboxWithoutLane: Migration = {
  async up(db: Kysely<any>) {
    // An indexed column cannot be dropped: the index goes first.
    await db.schema.dropIndex("outbox_lane").execute();
    await db.schema.alterTable("outbox").dropColumn("lane").execute();
    await db.schema.createIndex("outbox_chat").on("outbox").columns(["bot_id", "chat_id", "id"]).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex("outbox_chat").execute();
    await db.schema.alterTable("outbox").addColumn("lane", "text", (c) => c.notNull().defaultTo("")).execute();
    await db.updateTable("outbox").set({ lane: sql`'c:' || chat_id` }).execute();
    await db.schema.createIndex("outbox_lane").on("outbox").columns(["bot_id", "lane", "id"]).execute();
  },
};

/**
 * The parallel system's webhook is fed per chat, as Telegram feeds one: each queued update gets
 * its lane, when it was queued, and its retry state (refusals so far, not before when). Rows
 * already queued get their lane from their payload; their queue time is set by the proxy when it
 * starts (a migration has no clock).
 */
const proxyLanes: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable("proxy_updates").addColumn("lane", "text", (c) => c.notNull().defaultTo("")).execute();
    await db.schema.alterTable("proxy_updates").addColumn("queued_at", "bigint", (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable("proxy_updates").addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable("proxy_updates").addColumn("next_at", "bigint", (c) => c.notNull().defaultTo(0)).execute();
    const rows = await db.selectFrom("proxy_updates").select(["bot_id", "update_id", "payload"]).execute();
    for (const row of rows) {
      await db.updateTable("proxy_updates").set({ lane: laneOf(JSON.parse(row.payload)) }).where("bot_id", "=", row.bot_id).where("update_id", "=", row.update_id).execute();
    }
    await db.schema.createIndex("proxy_updates_lane").on("proxy_updates").columns(["bot_id", "lane", "update_id"]).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex("proxy_updates_lane").execute();
    for (const column of ["next_at", "attempts", "queued_at", "lane"]) await db.schema.alterTable("proxy_updates").dropColumn(column).execute();
  },
};

/** Topic creations in flight, keyed by title (see `TopicRequestsTable`). */
const topicRequests: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("topic_requests")
      .addColumn("bot_id", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("chat_id", "bigint", (c) => c.notNull())
      .addColumn("outbox_id", "bigint", (c) => c.notNull())
      .addColumn("sent_at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("topic_requests_pk", ["bot_id", "name"])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable("topic_requests").execute();
  },
};

/**
 * Updates that cannot be processed are set aside here instead of stopping the stream (issue
 * 10): a poison update used to abort the process, or stall intake, at every start.
 */
const deadLetters = (dialect: StoreDialect): Migration => ({
  async up(db: Kysely<any>) {
    await dialect
      .autoIncrementId(db.schema.createTable("dead_letters"), "id")
      .addColumn("bot_id", "text", (c) => c.notNull())
      .addColumn("source", "text", (c) => c.notNull())
      .addColumn("update_id", "bigint")
      .addColumn("reason", "text", (c) => c.notNull())
      .addColumn("raw", "text", (c) => c.notNull())
      .addColumn("digest", "text", (c) => c.notNull())
      .addColumn("received_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("dead_letters_digest").unique().on("dead_letters").columns(["bot_id", "digest"]).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable("dead_letters").execute();
  },
});

/** The Topics API's idempotency keys (see `ApiIdempotencyTable`). */
const apiIdempotency: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("api_idempotency")
      .addColumn("bot_id", "text", (c) => c.notNull())
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("request_digest", "text", (c) => c.notNull())
      .addColumn("status", "integer", (c) => c.notNull())
      .addColumn("response", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("api_idempotency_pk", ["bot_id", "key"])
      .execute();
    await db.schema.createIndex("api_idempotency_created").on("api_idempotency").columns(["created_at"]).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable("api_idempotency").execute();
  },
};

/**
 * Analytics (issue 14): one detail row per thing that happened, written in the commit that made
 * it happen, and per-day totals that old detail rows are folded into (see store/analytics.ts).
 */
const analytics: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("analytics_events")
      .addColumn("bot_id", "text", (c) => c.notNull())
      .addColumn("chat_id", "bigint", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("actor", "text", (c) => c.notNull())
      .addColumn("at", "bigint", (c) => c.notNull())
      .addColumn("value", "bigint")
      .execute();
    await db.schema.createIndex("analytics_events_at").on("analytics_events").columns(["bot_id", "at"]).execute();
    await db.schema
      .createTable("analytics_daily")
      .addColumn("bot_id", "text", (c) => c.notNull())
      .addColumn("day", "text", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("actor", "text", (c) => c.notNull())
      .addColumn("count", "bigint", (c) => c.notNull())
      .addColumn("sum", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("analytics_daily_pk", ["bot_id", "day", "kind", "actor"])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable("analytics_daily").execute();
    await db.schema.dropTable("analytics_events").execute();
  },
};

/**
 * Operators' names for analytics (issue 14): the analytics rows keep an operator's id; the name
 * they last wrote under, kept here once per change, lets the page and `/stats` say who it was.
 */
const operatorNames: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("operator_names")
      .addColumn("bot_id", "text", (c) => c.notNull())
      .addColumn("operator_id", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("operator_names_pk", ["bot_id", "operator_id"])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable("operator_names").execute();
  },
};

/**
 * Several instances on one store (issue 15): the lease of each bot, with its fencing token, and
 * the instances' heartbeats (see store/leases.ts).
 */
const leases: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("leases")
      .addColumn("bot_id", "text", (c) => c.notNull().primaryKey())
      .addColumn("owner", "text", (c) => c.notNull())
      .addColumn("token", "bigint", (c) => c.notNull())
      .addColumn("acquired_at", "bigint", (c) => c.notNull())
      .addColumn("renewed_at", "bigint", (c) => c.notNull())
      .addColumn("expires_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("leases_owner").on("leases").columns(["owner"]).execute();
    await db.schema
      .createTable("instances")
      .addColumn("instance_id", "text", (c) => c.notNull().primaryKey())
      .addColumn("started_at", "bigint", (c) => c.notNull())
      .addColumn("heartbeat_at", "bigint", (c) => c.notNull())
      .addColumn("host", "text", (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable("instances").execute();
    await db.schema.dropTable("leases").execute();
  },
};

/**
 * The inbox's pending rows read through an index in arrival order, where 0001's was not (SQLite:
 * it ended with update_id while the read orders by rowid, so each read sorted every pending row
 * of the bot in a temporary B-tree). Nothing changes where 0001's index already was in order.
 */
const inboxPendingInOrder = (dialect: StoreDialect): Migration => ({
  async up(db: Kysely<any>) {
    const columns = dialect.inboxArrival.pendingIndexInOrder;
    if (columns === undefined) return;
    await db.schema.dropIndex("inbox_pending").execute();
    await db.schema.createIndex("inbox_pending").on("inbox").columns([...columns]).execute();
  },
  async down(db: Kysely<any>) {
    if (dialect.inboxArrival.pendingIndexInOrder === undefined) return;
    await db.schema.dropIndex("inbox_pending").execute();
    await db.schema.createIndex("inbox_pending").on("inbox").columns([...dialect.inboxArrival.pendingIndex]).execute();
  },
});

/** Every migration of the core, in order. Names sort lexically; never rename one that has shipped. */
const coreMigrations = (dialect: StoreDialect): Record<string, Migration> => ({
  "0001_initial": initial(dialect),
  "0002_proxy_updates": proxy,
  "0003_mtproto": mtproto,
  "0004_outbox_without_lane": outboxWithoutLane,
  "0005_proxy_lanes": proxyLanes,
  "0006_topic_requests": topicRequests,
  "0007_dead_letters": deadLetters(dialect),
  "0008_api_idempotency": apiIdempotency,
  "0009_analytics": analytics,
  "0010_leases": leases,
  "0011_operator_names": operatorNames,
  "0012_inbox_pending_in_order": inboxPendingInOrder(dialect),
});

/**
 * Brings the database to the newest schema, or to the migration named `target` (tests of a
 * migration start from the schema before it; Kysely's `NO_MIGRATIONS` undoes them all); throws
 * with the failing migration's name.
 */
export async function migrateStore(db: Kysely<any>, dialect: StoreDialect, target?: string | NoMigrations): Promise<void> {
  const migrations = coreMigrations(dialect);
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = target === undefined ? await migrator.migrateToLatest() : await migrator.migrateTo(target);
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new Error(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
