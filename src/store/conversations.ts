/**
 * Conversation rows: the persisted actor snapshot plus the columns routing needs. The store
 * keeps a snapshot as opaque JSON: the conversation layer names its type.
 */
import { prepare } from "./prepared.ts";
import type { Db } from "./schema.ts";

/** What the store reads of a snapshot: the user it is about, copied to the `user` column. */
export interface SnapshotOfUser {
  readonly context: { readonly user: unknown };
}

/** A conversation as stored, with the caller's snapshot type `S`. */
export interface ConversationRow<S extends SnapshotOfUser = SnapshotOfUser> {
  chatId: number;
  topicId: number | null;
  state: string;
  snapshot: S;
}

const selectConversation = prepare<{ bot: string; chat: number }>()((db, p) =>
  db.selectFrom("conversations").select(["chat_id", "topic_id", "state", "snapshot"]).where("bot_id", "=", p("bot")).where("chat_id", "=", p("chat"))
);

/** Reads one conversation, or undefined for a user never seen; `S` is the caller's snapshot type. */
export async function loadConversation<S extends SnapshotOfUser>(db: Db, botId: string, chatId: number): Promise<ConversationRow<S> | undefined> {
  const [row] = (await selectConversation.run(db, { bot: botId, chat: chatId })).rows;
  return row && { chatId: row.chat_id, topicId: row.topic_id, state: row.state, snapshot: JSON.parse(row.snapshot) as S };
}

const selectChatOfTopic = prepare<{ bot: string; topic: number }>()((db, p) =>
  db.selectFrom("conversations").select("chat_id").where("bot_id", "=", p("bot")).where("topic_id", "=", p("topic")).limit(1)
);

/** The user chat whose topic this is; undefined for topics we did not create. */
export async function chatOfTopic(db: Db, botId: string, topicId: number): Promise<number | undefined> {
  return (await selectChatOfTopic.run(db, { bot: botId, topic: topicId })).rows[0]?.chat_id;
}

const upsertConversation = prepare<{ bot: string; chat: number; topic: number | null; state: string; snapshot: string; user: string; at: number }>()((db, p) =>
  db.insertInto("conversations")
    .values({ bot_id: p("bot"), chat_id: p("chat"), topic_id: p("topic"), state: p("state"), snapshot: p("snapshot"), user: p("user"), created_at: p("at"), updated_at: p("at") })
    .onConflict((c) =>
      c.columns(["bot_id", "chat_id"]).doUpdateSet((eb) => ({
        topic_id: eb.ref("excluded.topic_id"),
        state: eb.ref("excluded.state"),
        snapshot: eb.ref("excluded.snapshot"),
        user: eb.ref("excluded.user"),
        updated_at: eb.ref("excluded.updated_at"),
      }))
    )
);

/** Inserts or replaces a conversation; runs inside the step's commit transaction. */
export async function saveConversation(db: Db, botId: string, row: ConversationRow<SnapshotOfUser>, now: number): Promise<void> {
  await upsertConversation.run(db, {
    bot: botId, chat: row.chatId, topic: row.topicId, state: row.state,
    snapshot: JSON.stringify(row.snapshot), user: JSON.stringify(row.snapshot.context.user), at: now,
  });
}

/** How many conversations a bot has, by state (for logs and the benchmark). */
export async function countConversations(db: Db, botId: string): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom("conversations")
    .select(["state", db.fn.countAll<number>().as("n")])
    .where("bot_id", "=", botId)
    .groupBy("state")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}
