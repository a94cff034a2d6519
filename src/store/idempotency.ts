/**
 * The Topics API's idempotency keys: the first answer given to an `Idempotency-Key`, per bot,
 * with a digest of the request it answered. A key is kept {@link idempotencyKeepMs} (Stripe's
 * 24 hours): long enough for any client's retries, short enough that the table stays small.
 */
import type { Db } from "./schema.ts";

/** How long a key is remembered. */
export const idempotencyKeepMs = 24 * 3600_000;

/** A remembered answer. */
export interface RememberedAnswer {
  readonly requestDigest: string;
  readonly status: number;
  /** The JSON body as sent. */
  readonly response: string;
}

/** The answer remembered for `key`, if it is younger than {@link idempotencyKeepMs}. */
export async function rememberedAnswer(db: Db, botId: string, key: string, now: number): Promise<RememberedAnswer | undefined> {
  const row = await db
    .selectFrom("api_idempotency")
    .select(["request_digest", "status", "response"])
    .where("bot_id", "=", botId)
    .where("key", "=", key)
    .where("created_at", ">", now - idempotencyKeepMs)
    .executeTakeFirst();
  return row && { requestDigest: row.request_digest, status: row.status, response: row.response };
}

/**
 * Remembers the answer to `key` (replacing an expired one) on `db`, which is meant to be the
 * transaction that does what the answer says, so the two commit together. Resolves to false
 * when the key already holds a live answer (the same key stored twice keeps the first): the
 * caller then rolls its transaction back. Keys older than the keeping time are removed on the way.
 */
export async function rememberAnswer(db: Db, botId: string, key: string, answer: RememberedAnswer, now: number): Promise<boolean> {
  await db.deleteFrom("api_idempotency").where("created_at", "<=", now - idempotencyKeepMs).execute();
  const result = await db
    .insertInto("api_idempotency")
    .values({ bot_id: botId, key, request_digest: answer.requestDigest, status: answer.status, response: answer.response, created_at: now })
    .onConflict((c) => c.columns(["bot_id", "key"]).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}
