/**
 * Topic creations in flight (see `TopicRequestsTable`): at most one per title and bot, so the
 * title of a `forum_topic_created` service message names the creation it belongs to. A row is
 * written before `createForumTopic` is sent and removed in the transaction that records the
 * topic; one that is still there after its attempt is a creation in doubt.
 */
import { inBatches, prepare } from "./prepared.ts";
import type { Db } from "./schema.ts";

/**
 * A title as Telegram keeps it: without surrounding blanks. Names are stored and looked up in
 * this form, so a `forum_topic_created` name finds its creation even if the title asked for
 * had blanks Telegram stripped.
 */
const shownName = (name: string): string => name.trim();

/** One creation in flight. */
export interface TopicRequest {
  name: string;
  chatId: number;
  /** The outbox row of the createTopic intent it runs. */
  outboxId: number;
  /** When its last attempt was sent (Clock ms). */
  sentAt: number;
}

// Prepared once (prepared.ts): every new conversation runs these, most of them twice.
const selectNamed = prepare<{ bot: string; name: string }>()((db, p) =>
  db.selectFrom("topic_requests").selectAll().where("bot_id", "=", p("bot")).where("name", "=", p("name"))
);
const insertClaim = prepare<{ bot: string; name: string; chat: number; outbox: number; at: number }>()((db, p) =>
  db.insertInto("topic_requests")
    .values({ bot_id: p("bot"), name: p("name"), chat_id: p("chat"), outbox_id: p("outbox"), sent_at: p("at") })
    .onConflict((c) => c.columns(["bot_id", "name"]).doNothing())
);
const deleteStale = prepare<{ bot: string; name: string }>()((db, p) =>
  db.deleteFrom("topic_requests")
    .where("bot_id", "=", p("bot"))
    .where("name", "=", p("name"))
    .where("outbox_id", "not in", db.selectFrom("outbox").select("id"))
);
const deleteSettled = prepare<{ bot: string; ids: readonly number[] }>()((db, p, n) =>
  db.deleteFrom("topic_requests").where("bot_id", "=", p("bot")).where("outbox_id", "in", Array.from({ length: n }, (_, i) => p("ids", i)))
);

/** The creation in flight for `name`, if any. */
export async function topicRequestNamed(db: Db, botId: string, name: string): Promise<TopicRequest | undefined> {
  const r = (await selectNamed.run(db, { bot: botId, name: shownName(name) })).rows[0];
  return r && { name: r.name, chatId: r.chat_id, outboxId: r.outbox_id, sentAt: r.sent_at };
}

/**
 * Records `request` unless a creation of the same title is in flight; returns the holder of the
 * title (`request` itself when `fresh`, else the one found: this row's earlier attempt, or
 * another conversation's).
 */
export async function claimTopicRequest(db: Db, botId: string, request: TopicRequest): Promise<{ holder: TopicRequest; fresh: boolean }> {
  const inserted = await insertClaim.run(db, { bot: botId, name: shownName(request.name), chat: request.chatId, outbox: request.outboxId, at: request.sentAt });
  if (Number(inserted.numAffectedRows ?? 0) > 0) return { holder: request, fresh: true };
  const holder = await topicRequestNamed(db, botId, request.name);
  // Settled between the two statements: try once more.
  return holder ? { holder, fresh: false } : claimTopicRequest(db, botId, request);
}

/** A new attempt of the creation of outbox row `outboxId` is being sent at `sentAt`. */
export async function stampTopicRequest(db: Db, botId: string, outboxId: number, sentAt: number): Promise<void> {
  await db.updateTable("topic_requests").set({ sent_at: sentAt }).where("bot_id", "=", botId).where("outbox_id", "=", outboxId).execute();
}

/**
 * Removes the title's creation if its outbox row is gone (it was settled without recording
 * the topic); true when it did, so the title is free again.
 */
export async function forgetStaleTopicRequest(db: Db, botId: string, name: string): Promise<boolean> {
  const deleted = await deleteStale.run(db, { bot: botId, name: shownName(name) });
  return Number(deleted.numAffectedRows ?? 0) > 0;
}

/** The creations of these outbox rows are settled: removes them (inside the settling transaction). */
export async function forgetTopicRequests(db: Db, botId: string, outboxIds: readonly number[]): Promise<void> {
  await inBatches(outboxIds, (ids) => deleteSettled.run(db, { bot: botId, ids }, ids.length));
}

/** The outbox ids of every creation in flight. */
export async function topicRequestsInFlight(db: Db, botId: string): Promise<number[]> {
  const rows = await db.selectFrom("topic_requests").select("outbox_id").where("bot_id", "=", botId).execute();
  return rows.map((r) => r.outbox_id);
}

