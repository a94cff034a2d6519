/**
 * Saved templates: one row per name, holding a reference to the messages in the group (chat id
 * and message ids), never their content — `copyMessages` sends them as they are. A later
 * feature (broadcasts) reads the same rows.
 */
import type { Kysely, Migration } from "kysely";
import type { PluginWrite } from "../../src/mod.ts";

const table = "templates_saved";

/** The plugin's migrations (tracked in its own migration table by the plugin loader). */
export const migrations: Record<string, Migration> = {
  "0001_saved": {
    up: async (db: Kysely<any>) => {
      await db.schema.createTable(table)
        .addColumn("bot_id", "text", (c) => c.notNull())
        // The lowercase name: names are case-insensitive.
        .addColumn("key", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("source_chat_id", "bigint", (c) => c.notNull())
        // JSON array of message ids, in order.
        .addColumn("message_ids", "text", (c) => c.notNull())
        .addColumn("saved_by", "bigint")
        .addColumn("saved_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("templates_saved_pk", ["bot_id", "key"])
        .execute();
    },
    down: async (db: Kysely<any>) => {
      await db.schema.dropTable(table).execute();
    },
  },
};

/** A saved template. */
export interface SavedTemplate {
  readonly name: string;
  readonly sourceChatId: number;
  readonly messageIds: readonly number[];
  readonly savedBy: number | null;
  readonly savedAt: number;
}

const fromRow = (r: any): SavedTemplate => ({
  name: r.name,
  sourceChatId: Number(r.source_chat_id),
  messageIds: JSON.parse(r.message_ids) as number[],
  savedBy: r.saved_by === null ? null : Number(r.saved_by),
  savedAt: Number(r.saved_at),
});

/** The saved template called `key` (lowercase), if any. */
export async function findSaved(db: Kysely<any>, botId: string, key: string): Promise<SavedTemplate | undefined> {
  const row = await db.selectFrom(table).selectAll().where("bot_id", "=", botId).where("key", "=", key).executeTakeFirst();
  return row && fromRow(row);
}

/** Every saved template of the bot, by name. */
export async function listSaved(db: Kysely<any>, botId: string): Promise<SavedTemplate[]> {
  const rows = await db.selectFrom(table).selectAll().where("bot_id", "=", botId).orderBy("key").execute();
  return rows.map(fromRow);
}

/** Saves (or replaces) a template. */
export async function saveTemplate(db: Kysely<any>, botId: string, t: SavedTemplate): Promise<void> {
  const values = { name: t.name, source_chat_id: t.sourceChatId, message_ids: JSON.stringify(t.messageIds), saved_by: t.savedBy, saved_at: t.savedAt };
  await db.insertInto(table)
    .values({ bot_id: botId, key: t.name.toLowerCase(), ...values })
    .onConflict((c) => c.columns(["bot_id", "key"]).doUpdateSet(values))
    .execute();
}

/** Deletes a saved template; true when there was one. */
export async function deleteSaved(db: Kysely<any>, botId: string, key: string): Promise<boolean> {
  const result = await db.deleteFrom(table).where("bot_id", "=", botId).where("key", "=", key).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Which of `messageIds` (in the group) are known to belong to a user's topic: the core's message
 * map pairs every relayed topic message with its user. Message ids count up across the whole
 * forum, so a chain of "consecutive" messages in General may hold other topics' messages.
 */
export async function topicMessagesAmong(db: Kysely<any>, botId: string, messageIds: readonly number[]): Promise<Set<number>> {
  if (messageIds.length === 0) return new Set();
  const rows = await db.selectFrom("message_map").select("topic_message_id").where("bot_id", "=", botId).where("topic_message_id", "in", [...messageIds]).execute();
  return new Set(rows.map((r) => Number(r.topic_message_id)));
}

/** What `/template save` and `/template del` write, in their step's commit (a `write` effect). */
export type TemplateWrite = { op: "save"; template: SavedTemplate } | { op: "del"; key: string };

/** Applies a batch's template writes inside its commit transaction, in step order. */
export async function applyTemplateWrites(tx: Kysely<any>, botId: string, writes: readonly PluginWrite[]): Promise<void> {
  for (const { value } of writes) {
    const w = value as TemplateWrite;
    if (w.op === "save") await saveTemplate(tx, botId, w.template);
    else await deleteSaved(tx, botId, w.key);
  }
}
