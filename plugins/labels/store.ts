/**
 * Labels and who has them, in the plugin's own tables: `labels_label` (one row per label with
 * its properties) and `labels_assignment` (one row per label and conversation, queryable by
 * label — what broadcasts and exports segment by). Names are case-insensitive: rows are keyed
 * by the lowercase name and keep the name as first written.
 */
import type { Kysely, Migration } from "kysely";
import type { PluginWrite } from "../../src/mod.ts";

const labels = "labels_label";
const assignments = "labels_assignment";

/** The plugin's migrations (tracked in its own migration table by the plugin loader). */
export const migrations: Record<string, Migration> = {
  "0001_labels": {
    up: async (db: Kysely<any>) => {
      await db.schema.createTable(labels)
        .addColumn("bot_id", "text", (c) => c.notNull())
        .addColumn("key", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        // JSON array of label keys that setting this one removes.
        .addColumn("after_keys", "text", (c) => c.notNull())
        .addColumn("sends", "text")
        .addColumn("ticker", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("labels_label_pk", ["bot_id", "key"])
        .execute();
      await db.schema.createTable(assignments)
        .addColumn("bot_id", "text", (c) => c.notNull())
        .addColumn("label_key", "text", (c) => c.notNull())
        .addColumn("chat_id", "bigint", (c) => c.notNull())
        // The topic when it was set (kept current when a deleted topic is replaced), for links.
        .addColumn("topic_id", "bigint")
        .addColumn("assigned_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("labels_assignment_pk", ["bot_id", "label_key", "chat_id"])
        .execute();
      await db.schema.createIndex("labels_assignment_by_chat").on(assignments).columns(["bot_id", "chat_id"]).execute();
    },
    down: async (db: Kysely<any>) => {
      await db.schema.dropTable(assignments).execute();
      await db.schema.dropTable(labels).execute();
    },
  },
};

/** A label and its properties. */
export interface Label {
  readonly key: string;
  readonly name: string;
  /** Keys of the labels that setting this one removes (funnel stages). */
  readonly after: readonly string[];
  /** The template sent to the user when the label is set. */
  readonly sends: string | null;
  /** Shown in the titles of its topics, after the name. */
  readonly ticker: string | null;
}

const fromRow = (r: any): Label => ({ key: r.key, name: r.name, after: JSON.parse(r.after_keys) as string[], sends: r.sends ?? null, ticker: r.ticker ?? null });

/** The label with `key`, if it exists. */
export async function getLabel(db: Kysely<any>, botId: string, key: string): Promise<Label | undefined> {
  const row = await db.selectFrom(labels).selectAll().where("bot_id", "=", botId).where("key", "=", key).executeTakeFirst();
  return row && fromRow(row);
}

/** The labels with these keys, by key (missing ones are absent). */
export async function getLabels(db: Kysely<any>, botId: string, keys: readonly string[]): Promise<Map<string, Label>> {
  if (keys.length === 0) return new Map();
  const rows = await db.selectFrom(labels).selectAll().where("bot_id", "=", botId).where("key", "in", [...keys]).execute();
  return new Map(rows.map((r) => [r.key as string, fromRow(r)]));
}

/** Every label with how many conversations have it, by name. */
export async function listWithCounts(db: Kysely<any>, botId: string): Promise<{ label: Label; count: number }[]> {
  const rows = await db.selectFrom(labels).selectAll().where("bot_id", "=", botId).orderBy("key").execute();
  const counts = await db.selectFrom(assignments).select(["label_key", (eb) => eb.fn.countAll().as("n")]).where("bot_id", "=", botId).groupBy("label_key").execute();
  const byKey = new Map(counts.map((c) => [c.label_key as string, Number(c.n)]));
  return rows.map((r) => ({ label: fromRow(r), count: byKey.get(r.key) ?? 0 }));
}

/** Creates a label; false when one with that name exists. */
export async function createLabel(db: Kysely<any>, botId: string, name: string, now: number): Promise<boolean> {
  const result = await db.insertInto(labels)
    .values({ bot_id: botId, key: name.toLowerCase(), name, after_keys: "[]", sends: null, ticker: null, created_at: now })
    .onConflict((c) => c.columns(["bot_id", "key"]).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Changes a label's properties. */
export async function updateLabel(db: Kysely<any>, botId: string, key: string, change: { after?: readonly string[]; sends?: string | null; ticker?: string | null }): Promise<void> {
  const set: Record<string, unknown> = {};
  if (change.after !== undefined) set.after_keys = JSON.stringify(change.after);
  if (change.sends !== undefined) set.sends = change.sends;
  if (change.ticker !== undefined) set.ticker = change.ticker;
  await db.updateTable(labels).set(set).where("bot_id", "=", botId).where("key", "=", key).execute();
}

/** Renames a label everywhere: its row, its assignments, and other labels' `after` lists. */
export async function renameLabel(db: Kysely<any>, botId: string, from: string, to: string): Promise<void> {
  await db.transaction().execute((tx) => renameIn(tx, botId, from, to));
}

/** {@link renameLabel} inside a transaction the caller holds (a step's commit). */
async function renameIn(tx: Kysely<any>, botId: string, from: string, to: string): Promise<void> {
  const toKey = to.toLowerCase();
  await tx.updateTable(labels).set({ key: toKey, name: to }).where("bot_id", "=", botId).where("key", "=", from).execute();
  await tx.updateTable(assignments).set({ label_key: toKey }).where("bot_id", "=", botId).where("label_key", "=", from).execute();
  const rows = await tx.selectFrom(labels).select(["key", "after_keys"]).where("bot_id", "=", botId).execute();
  for (const r of rows) {
    const after = JSON.parse(r.after_keys) as string[];
    if (!after.includes(from)) continue;
    await tx.updateTable(labels).set({ after_keys: JSON.stringify(after.map((k) => (k === from ? toKey : k))) }).where("bot_id", "=", botId).where("key", "=", r.key).execute();
  }
}

/** The conversations with a label, oldest assignment first. */
export async function chatsWith(db: Kysely<any>, botId: string, key: string): Promise<{ chatId: number; topicId: number | null }[]> {
  const rows = await db.selectFrom(assignments).select(["chat_id", "topic_id"]).where("bot_id", "=", botId).where("label_key", "=", key).orderBy("assigned_at").orderBy("chat_id").execute();
  return rows.map((r) => ({ chatId: Number(r.chat_id), topicId: r.topic_id === null ? null : Number(r.topic_id) }));
}

/** The label keys of a conversation, in the order they were set. */
export async function labelsOfChat(db: Kysely<any>, botId: string, chatId: number): Promise<string[]> {
  const rows = await db.selectFrom(assignments).select("label_key").where("bot_id", "=", botId).where("chat_id", "=", chatId).orderBy("assigned_at").orderBy("label_key").execute();
  return rows.map((r) => r.label_key as string);
}

/**
 * What a change writes, in the step's commit (see `write` effects): a topic's labels (`set`,
 * `topic`), or, from `/mark` in General, a label itself (`create`, `update`, `rename`).
 */
export type LabelWrite =
  | { op: "set"; topicId: number | null; add: readonly string[]; remove: readonly string[]; create?: { key: string; name: string } }
  | { op: "topic"; topicId: number }
  | { op: "create"; name: string }
  | { op: "update"; key: string; change: { after?: readonly string[]; sends?: string | null; ticker?: string | null } }
  | { op: "rename"; from: string; to: string };

/** Applies a batch's label writes inside its commit transaction, in step order. */
export async function applyWrites(tx: Kysely<any>, botId: string, writes: readonly PluginWrite[]): Promise<void> {
  for (const { chatId, value, now } of writes) {
    const w = value as LabelWrite;
    if (w.op === "create") {
      await createLabel(tx, botId, w.name, now);
      continue;
    }
    if (w.op === "update") {
      await updateLabel(tx, botId, w.key, w.change);
      continue;
    }
    if (w.op === "rename") {
      await renameIn(tx, botId, w.from, w.to);
      continue;
    }
    if (w.op === "topic") {
      await tx.updateTable(assignments).set({ topic_id: w.topicId }).where("bot_id", "=", botId).where("chat_id", "=", chatId).execute();
      continue;
    }
    if (w.create) {
      await tx.insertInto(labels)
        .values({ bot_id: botId, key: w.create.key, name: w.create.name, after_keys: "[]", sends: null, ticker: null, created_at: now })
        .onConflict((c) => c.columns(["bot_id", "key"]).doNothing())
        .execute();
    }
    if (w.remove.length > 0) {
      await tx.deleteFrom(assignments).where("bot_id", "=", botId).where("chat_id", "=", chatId).where("label_key", "in", [...w.remove]).execute();
    }
    for (const key of w.add) {
      await tx.insertInto(assignments)
        .values({ bot_id: botId, label_key: key, chat_id: chatId, topic_id: w.topicId, assigned_at: now })
        .onConflict((c) => c.columns(["bot_id", "label_key", "chat_id"]).doNothing())
        .execute();
    }
  }
}
