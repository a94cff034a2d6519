/**
 * The users an export lists, read from the store a page at a time (so 100,000 users never sit in
 * memory as rows at once): every conversation of the bot by chat id, or only those with a label
 * (the labels plugin's `labels_assignment`, queryable by label).
 */
import type { Kysely } from "kysely";
import type { UserProfile } from "../../src/mod.ts";

/** Rows read per query. */
export const pageSize = 500;

/** One user, as an export needs it. */
export interface ExportedUser {
  readonly user: UserProfile;
  readonly topicId: number | null;
  readonly state: string;
  readonly status: string | undefined;
  readonly firstContactAt: number | undefined;
  readonly lastMessageAt: number | undefined;
  /** Label keys, in the order they were set. */
  readonly labels: readonly string[];
}

interface Snapshot {
  value?: unknown;
  context?: { firstContactAt?: number; data?: Record<string, unknown> };
}

/** Inside "topic-open", the dialog's status ("user_answered" or "support_answered"). */
const statusOf = (value: unknown): string | undefined =>
  value !== null && typeof value === "object" && "topic-open" in value ? String((value as Record<string, unknown>)["topic-open"]) : undefined;

/**
 * The bot's users, a page at a time, by chat id; with `label` (a key), only those with it.
 * `lastOf` reads the last message time from a conversation's plugin data.
 */
export async function* exportedUsers(db: Kysely<any>, botId: string, label: string | undefined, lastOf: (data: Record<string, unknown>) => number | undefined): AsyncGenerator<ExportedUser[]> {
  let after: number | undefined;
  for (;;) {
    let chats: number[];
    if (label === undefined) {
      let q = db.selectFrom("conversations").select("chat_id").where("bot_id", "=", botId);
      if (after !== undefined) q = q.where("chat_id", ">", after);
      chats = (await q.orderBy("chat_id").limit(pageSize).execute()).map((r) => Number(r.chat_id));
    } else {
      let q = db.selectFrom("labels_assignment").select("chat_id").where("bot_id", "=", botId).where("label_key", "=", label);
      if (after !== undefined) q = q.where("chat_id", ">", after);
      chats = (await q.orderBy("chat_id").limit(pageSize).execute()).map((r) => Number(r.chat_id));
    }
    if (chats.length === 0) return;
    after = chats[chats.length - 1];

    const rows = await db.selectFrom("conversations").select(["chat_id", "topic_id", "state", "snapshot", "user"])
      .where("bot_id", "=", botId).where("chat_id", "in", chats).orderBy("chat_id").execute();
    const assigned = await db.selectFrom("labels_assignment").select(["chat_id", "label_key"])
      .where("bot_id", "=", botId).where("chat_id", "in", chats).orderBy("assigned_at").orderBy("label_key").execute();
    const labelsOf = new Map<number, string[]>();
    for (const a of assigned) {
      const id = Number(a.chat_id);
      labelsOf.set(id, [...(labelsOf.get(id) ?? []), a.label_key as string]);
    }
    yield rows.map((r) => {
      const snapshot = JSON.parse(r.snapshot) as Snapshot;
      const data = snapshot.context?.data ?? {};
      return {
        user: JSON.parse(r.user) as UserProfile,
        topicId: r.topic_id === null ? null : Number(r.topic_id),
        state: r.state as string,
        status: statusOf(snapshot.value),
        firstContactAt: snapshot.context?.firstContactAt,
        lastMessageAt: lastOf(data),
        labels: labelsOf.get(Number(r.chat_id)) ?? [],
      };
    });
    if (chats.length < pageSize) return;
  }
}
