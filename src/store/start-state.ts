/**
 * What a bot's start reads from the store, in one statement instead of four: the newest relayed
 * topic message (pipeline/pairs-in-flight.ts), the smallest update id (synthetic ids start beyond
 * it), the polling offset, and the identity the last owner stored (bot-identity.ts). With hundreds
 * of bots starting on one instance (a takeover) each statement saved is a round trip and ~0.3 ms of
 * the one thread's CPU per bot.
 */
import type { UserFromGetMe } from "@grammyjs/types";
import { identityKey } from "./bot-identity.ts";
import { offsetKey } from "./inbox.ts";
import { prepare } from "./prepared.ts";
import type { Db } from "./schema.ts";

/** A bot's stored state at its start. */
export interface StartState {
  /** The newest topic message id the bot's pairs record, 0 when none: a lower bound for any copy sent from now on (pipeline/delivery/pairs-in-flight.ts). */
  readonly newestTopicMessageId: number;
  /** As `smallestUpdateId` (inbox.ts): never above 0. */
  readonly smallestUpdateId: number;
  /** As `lastUpdateId` (inbox.ts): the polling offset. */
  readonly lastUpdateId: number | undefined;
  /** As `loadBotIdentity` (bot-identity.ts). */
  readonly identity: UserFromGetMe | undefined;
}

const select = prepare<{ bot: string }>()((db, p) =>
  db.selectNoFrom((eb) => [
    eb.selectFrom("message_map").select("topic_message_id").where("bot_id", "=", p("bot")).orderBy("topic_message_id", "desc").limit(1).as("newest"),
    eb.selectFrom("inbox").select((e) => e.fn.min<number>("update_id").as("min")).where("bot_id", "=", p("bot")).as("smallest"),
    eb.selectFrom("bot_state").select("value").where("bot_id", "=", p("bot")).where("key", "=", offsetKey).as("last"),
    eb.selectFrom("bot_state").select("value").where("bot_id", "=", p("bot")).where("key", "=", identityKey).as("me"),
  ])
);

/** Reads bot `botId`'s {@link StartState}. */
export async function readStartState(db: Db, botId: string): Promise<StartState> {
  const { rows } = await select.run(db, { bot: botId });
  const row = rows[0] as { newest: unknown; smallest: unknown; last: unknown; me: unknown } | undefined;
  return {
    newestTopicMessageId: row?.newest == null ? 0 : Number(row.newest),
    smallestUpdateId: Math.min(0, Number(row?.smallest ?? 0)),
    lastUpdateId: row?.last == null ? undefined : Number(row.last),
    identity: typeof row?.me === "string" ? (JSON.parse(row.me) as UserFromGetMe) : undefined,
  };
}
