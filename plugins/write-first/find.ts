/**
 * Finding a user to write to first, among the users Switchboard has seen: the Bot API cannot
 * look up a username (nor start a chat with someone who never started the bot), so the store's
 * conversations are the only directory there is.
 */
import { type Kysely, sql } from "kysely";
import type { UserProfile } from "../../src/mod.ts";

/** A user Switchboard has a conversation with. */
export interface KnownUser {
  readonly chatId: number;
  readonly user: UserProfile;
  readonly state: string;
  readonly topicId: number | null;
}

const fromRow = (r: { chat_id: unknown; user: string; state: string; topic_id: unknown }): KnownUser => ({
  chatId: Number(r.chat_id), user: JSON.parse(r.user) as UserProfile, state: r.state, topicId: r.topic_id === null ? null : Number(r.topic_id),
});

/** The conversation with user `id`, if Switchboard has seen them. */
export async function findById(db: Kysely<any>, botId: string, id: number): Promise<KnownUser | undefined> {
  const row = await db.selectFrom("conversations").select(["chat_id", "user", "state", "topic_id"]).where("bot_id", "=", botId).where("chat_id", "=", id).executeTakeFirst();
  return row && fromRow(row);
}

/** True for what a Telegram username may be (letters, digits, underscores). */
export const isUsername = (text: string): boolean => /^[A-Za-z][A-Za-z0-9_]{1,31}$/.test(text);

/**
 * The user with this @username (case-insensitive), if Switchboard has seen them; the most
 * recently active one when a username moved from one account to another.
 */
export async function findByUsername(db: Kysely<any>, botId: string, username: string): Promise<KnownUser | undefined> {
  const wanted = username.toLowerCase();
  // The user column is the profile as JSON.stringify wrote it: `"username":"name"`, no spaces.
  // `_` is a LIKE wildcard: escaped. The match is then checked on the parsed profile.
  const pattern = `%"username":"${wanted.replace(/[\\%_]/g, (c) => `\\${c}`)}"%`;
  const rows = await db.selectFrom("conversations").select(["chat_id", "user", "state", "topic_id"])
    .where("bot_id", "=", botId)
    .where(sql<boolean>`lower(${sql.ref("user")}) like ${pattern} escape '\\'`)
    .orderBy("updated_at", "desc").limit(10).execute();
  return rows.map(fromRow).find((u) => u.user.username?.toLowerCase() === wanted && !u.user.chatKind);
}
