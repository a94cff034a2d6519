/**
 * Dead letters: updates that cannot be processed, set aside with where they came from, why, and
 * their raw JSON text, so the stream goes on and a person can look at them later
 * (`switchboard inbox --dead`). They are never retried. The same raw text for the same bot is
 * kept once (Telegram re-delivers what it thinks was not received), so each is counted and
 * logged once.
 */
import { createHash } from "node:crypto";
import type { Db } from "./schema.ts";

/** An update set aside. */
export interface DeadLetter {
  /** polling, webhook, mtproto, proxy, inbox (a row saved before it was decoded), processor. */
  readonly source: string;
  /** Its update id, when it has a usable one. */
  readonly updateId: number | null;
  readonly reason: string;
  readonly raw: string;
}

/** A dead letter as stored. */
export interface StoredDeadLetter extends DeadLetter {
  readonly id: number;
  readonly botId: string;
  readonly receivedAt: number;
}

const digestOf = (raw: string): string => createHash("sha256").update(raw).digest("hex");

/**
 * Keeps `letters` (inside the caller's transaction when `db` is one); returns the ones that were
 * new, so the caller logs each exactly once. One statement per letter: they are rare.
 */
export async function addDeadLetters(db: Db, botId: string, letters: readonly DeadLetter[], now: number): Promise<StoredDeadLetter[]> {
  const added: StoredDeadLetter[] = [];
  for (const letter of letters) {
    const row = await db
      .insertInto("dead_letters")
      .values({ bot_id: botId, source: letter.source, update_id: letter.updateId, reason: letter.reason, raw: letter.raw, digest: digestOf(letter.raw), received_at: now })
      .onConflict((c) => c.doNothing())
      .returning("id")
      .executeTakeFirst();
    if (row) added.push({ ...letter, id: row.id, botId, receivedAt: now });
  }
  return added;
}

/**
 * Moves inbox rows that cannot be processed to the dead letters, in one transaction: the row
 * leaves the inbox exactly when its dead letter is kept. Returns the dead letters that were new.
 */
export async function moveToDeadLetters(db: Db, botId: string, letters: readonly (DeadLetter & { readonly updateId: number })[], now: number): Promise<StoredDeadLetter[]> {
  if (letters.length === 0) return [];
  return db.transaction().execute(async (tx) => {
    const added = await addDeadLetters(tx, botId, letters, now);
    for (const letter of letters) await tx.deleteFrom("inbox").where("bot_id", "=", botId).where("update_id", "=", letter.updateId).execute();
    return added;
  });
}

/** The newest dead letters first, of one bot or of all; at most `limit`. */
export async function listDeadLetters(db: Db, o: { botId?: string; limit: number }): Promise<StoredDeadLetter[]> {
  let query = db.selectFrom("dead_letters").selectAll().orderBy("id", "desc").limit(o.limit);
  if (o.botId !== undefined) query = query.where("bot_id", "=", o.botId);
  const rows = await query.execute();
  return rows.map((r) => ({ id: r.id, botId: r.bot_id, source: r.source, updateId: r.update_id, reason: r.reason, raw: r.raw, receivedAt: r.received_at }));
}

/** How many dead letters each bot has (bots without any are absent). */
export async function countDeadLetters(db: Db): Promise<Map<string, number>> {
  const rows = await db.selectFrom("dead_letters").select(["bot_id", (eb) => eb.fn.countAll<number>().as("n")]).groupBy("bot_id").execute();
  return new Map(rows.map((r) => [r.bot_id, Number(r.n)]));
}
