/**
 * The commit: the new snapshots, their intents and the inbox marks of the updates that caused
 * them, in one transaction. Either all of a batch is durable or none of it is, so a crash
 * replays exactly the updates whose effects were not saved.
 */
import type { Intent } from "../conversation/intents.ts";
import { saveConversation, type ConversationRow } from "../store/conversations.ts";
import { markProcessed } from "../store/inbox.ts";
import type { Db } from "../store/open.ts";
import { dropPendingOfType, enqueueIntents } from "../store/outbox.ts";
import type { PluginEffect } from "../plugins/api.ts";
import { applyTimerEffects } from "../store/timers.ts";
import { type AnalyticsEvent, recordEvents } from "../store/analytics.ts";
import { namesToStore, noteStored, type OperatorName, storeOperatorNames } from "../store/operator-names.ts";
import { OutboxWrite } from "./outbox-mirror.ts";

/** One conversation's change within a batch. */
export interface ConversationChange {
  row: ConversationRow;
  intents: Intent[];
  /** Durable timers set or cleared by plugins (other effects are applied by the steps). */
  effects: PluginEffect[];
  /** What analytics count of it (step-analytics.ts): durable exactly when the step is. */
  analytics: AnalyticsEvent[];
  /** The names of the operators those rows name (stored when new or changed). */
  operators?: OperatorName[];
}

/**
 * Writes a batch atomically. `alsoWrite` adds more writes to the same transaction (the plugins'
 * own rows, see the `write` effect), so they are durable exactly when the batch is. What it does
 * to the outbox is recorded in `outbox` (the lanes in memory follow once it committed, see
 * outbox-mirror.ts).
 */
export async function commitBatch(
  db: Db,
  botId: string,
  changes: readonly ConversationChange[],
  processedUpdateIds: readonly number[],
  now: number,
  loose: readonly { chatId: number; intents: Intent[]; effects?: readonly PluginEffect[] }[] = [],
  alsoWrite?: (tx: Db) => Promise<void>,
  outbox: OutboxWrite<Intent> = new OutboxWrite(),
): Promise<void> {
  const names = changes.some((c) => c.operators) ? namesToStore(db, botId, changes.flatMap((c) => c.operators ?? [])) : [];
  await db.transaction().execute(async (tx) => {
    for (const { chatId, intents, effects } of loose) {
      outbox.added.push(...(await enqueueIntents(tx, botId, chatId, intents, now)));
      if (effects) await applyTimerEffects(tx, botId, chatId, effects);
    }
    for (const change of changes) {
      await saveConversation(tx, botId, change.row, now);
      const intents = await coalesceTitles(tx, botId, change.row.chatId, change.intents, outbox);
      outbox.added.push(...(await enqueueIntents(tx, botId, change.row.chatId, intents, now)));
      await applyTimerEffects(tx, botId, change.row.chatId, change.effects);
    }
    // One multi-row insert for the whole batch: the hot path pays one statement, not one per event.
    const events = changes.length === 1 ? changes[0].analytics : changes.flatMap((c) => c.analytics);
    if (events.length > 0) await recordEvents(tx, botId, events);
    if (names.length > 0) await storeOperatorNames(tx, botId, names, now);
    await alsoWrite?.(tx);
    await markProcessed(tx, botId, processedUpdateIds);
  });
  if (names.length > 0) noteStored(db, botId, names);
}

/**
 * Only the newest title matters: a step that retitles the topic drops the titles still waiting
 * in the lane and keeps only its own last one, so bursts of status or label changes cost one
 * `editForumTopic` (the group's budget of about 20 messages a minute counts topic edits too).
 * A title already in flight is not affected (delivery removes its row by id, a no-op then).
 */
async function coalesceTitles(tx: Db, botId: string, chatId: number, intents: readonly Intent[], outbox: OutboxWrite<Intent>): Promise<readonly Intent[]> {
  const last = intents.findLastIndex((i) => i.type === "editTopic");
  if (last < 0) return intents;
  outbox.removed.push(...(await dropPendingOfType(tx, botId, chatId, "editTopic")));
  return intents.filter((i, n) => i.type !== "editTopic" || n === last);
}
