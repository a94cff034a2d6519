/**
 * Who a bot is on Telegram (its getMe), kept in `bot_state` by the instance that connects it, so
 * that the other instances of a deployment can name it (the Topics API's `instance_name`) without
 * a Bot API call of their own for a bot they do not own.
 */
import type { UserFromGetMe } from "@grammyjs/types";
import type { Db } from "./schema.ts";

/** The `bot_state` key of the identity. */
export const identityKey = "me";

/** Stores `me` for bot `botId` (replacing what was there). */
export async function saveBotIdentity(db: Db, botId: string, me: UserFromGetMe): Promise<void> {
  const value = JSON.stringify(me);
  await db.insertInto("bot_state").values({ bot_id: botId, key: identityKey, value })
    .onConflict((c) => c.columns(["bot_id", "key"]).doUpdateSet({ value }))
    .execute();
}

/** The stored identity of bot `botId`, if its owner connected it once. */
export async function loadBotIdentity(db: Db, botId: string): Promise<UserFromGetMe | undefined> {
  const row = await db.selectFrom("bot_state").select("value").where("bot_id", "=", botId).where("key", "=", identityKey).executeTakeFirst();
  return row ? (JSON.parse(row.value) as UserFromGetMe) : undefined;
}
