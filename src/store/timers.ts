/** Durable timers: one row per (bot, conversation, kind); setting one again moves it. */
import type { PluginEffect } from "../plugins/api.ts";
import type { Db } from "./open.ts";

/** A timer that is due. */
export interface DueTimer {
  chatId: number;
  kind: string;
  dueAt: number;
}

/** Applies plugins' timer effects (other effects are the registry's); runs inside the step's commit transaction. */
export async function applyTimerEffects(db: Db, botId: string, chatId: number, effects: readonly PluginEffect[]): Promise<void> {
  for (const effect of effects) {
    if (effect.type === "setTimer") {
      await db
        .insertInto("timers")
        .values({ bot_id: botId, chat_id: chatId, kind: effect.kind, due_at: effect.dueAt })
        .onConflict((c) => c.columns(["bot_id", "chat_id", "kind"]).doUpdateSet({ due_at: effect.dueAt }))
        .execute();
    } else if (effect.type === "clearTimer") {
      await db.deleteFrom("timers").where("bot_id", "=", botId).where("chat_id", "=", chatId).where("kind", "=", effect.kind).execute();
    }
  }
}

/** Timers due at `now`, oldest first. */
export async function dueTimers(db: Db, botId: string, now: number, limit = 100): Promise<DueTimer[]> {
  const rows = await db
    .selectFrom("timers")
    .select(["chat_id", "kind", "due_at"])
    .where("bot_id", "=", botId)
    .where("due_at", "<=", now)
    .orderBy("due_at")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ chatId: Number(r.chat_id), kind: r.kind, dueAt: Number(r.due_at) }));
}

/** The next due time of a bot's timers, if any. */
export async function nextTimerDue(db: Db, botId: string): Promise<number | undefined> {
  const row = await db.selectFrom("timers").select((eb) => eb.fn.min("due_at").as("next")).where("bot_id", "=", botId).executeTakeFirst();
  return row?.next == null ? undefined : Number(row.next);
}

/** Removes a fired timer unless it was set again (to a new due time) meanwhile. */
export async function deleteTimerIfUnchanged(db: Db, botId: string, timer: DueTimer): Promise<void> {
  await db
    .deleteFrom("timers")
    .where("bot_id", "=", botId)
    .where("chat_id", "=", timer.chatId)
    .where("kind", "=", timer.kind)
    .where("due_at", "=", timer.dueAt)
    .execute();
}
