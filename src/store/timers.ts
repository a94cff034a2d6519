/** Durable timers: one row per (bot, conversation, kind); setting one again moves it. */
import { prepare } from "./prepared.ts";
import type { Db } from "./schema.ts";

/** A timer that is due. */
export interface DueTimer {
  chatId: number;
  kind: string;
  dueAt: number;
}

/** Setting or clearing a conversation's timer of a kind (the plugin effects of the same names). */
export type TimerChange =
  | { readonly type: "setTimer"; readonly kind: string; readonly dueAt: number }
  | { readonly type: "clearTimer"; readonly kind: string };

const upsertTimer = prepare<{ bot: string; chat: number; kind: string; due: number }>()((db, p) =>
  db.insertInto("timers")
    .values({ bot_id: p("bot"), chat_id: p("chat"), kind: p("kind"), due_at: p("due") })
    .onConflict((c) => c.columns(["bot_id", "chat_id", "kind"]).doUpdateSet((eb) => ({ due_at: eb.ref("excluded.due_at") })))
);

const deleteTimer = prepare<{ bot: string; chat: number; kind: string }>()((db, p) =>
  db.deleteFrom("timers").where("bot_id", "=", p("bot")).where("chat_id", "=", p("chat")).where("kind", "=", p("kind"))
);

/**
 * Applies the timer changes among `effects` (other effect types are someone else's and are
 * skipped); runs inside the step's commit transaction.
 */
export async function applyTimerEffects(db: Db, botId: string, chatId: number, effects: readonly (TimerChange | { readonly type: string })[]): Promise<void> {
  for (const effect of effects) {
    if (effect.type === "setTimer") {
      const set = effect as Extract<TimerChange, { type: "setTimer" }>;
      await upsertTimer.run(db, { bot: botId, chat: chatId, kind: set.kind, due: set.dueAt });
    } else if (effect.type === "clearTimer") {
      await deleteTimer.run(db, { bot: botId, chat: chatId, kind: (effect as TimerChange).kind });
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
  return rows.map((r) => ({ chatId: r.chat_id, kind: r.kind, dueAt: r.due_at }));
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

/** The earliest due time of a bot's timers, if it has any (the timers sleep until then). */
export async function nextTimerDue(db: Db, botId: string): Promise<number | undefined> {
  const row = await db.selectFrom("timers").select((eb) => eb.fn.min("due_at").as("next")).where("bot_id", "=", botId).executeTakeFirst();
  return row?.next == null ? undefined : Number(row.next);
}
