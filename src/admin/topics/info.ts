/**
 * What the Topics API tells about a dialog, in Hotline's `info_by_topic` shape (its field names:
 * `chat_id`, `thread_id`, `topic_status`, `topic_title`, `topic_last_date`, `user_*`), plus
 * Switchboard's own: the bot, the labels and how long the user has waited. `hide_info` applies
 * by the one rule of plugins/hide-info/shown.ts (as in the topic, the card and the export): a
 * hidden name (`name`, or `title`) hides the names and the username, `link` hides the username.
 * The ids stay: the API addresses dialogs by them.
 */
import type { BotConfig } from "../../config/mod.ts";
import { conversationKindOf } from "../../conversation/events.ts";
import { statusOf, type StoredSnapshot } from "../../conversation/step.ts";
import { displayName } from "../../conversation/title.ts";
import type { RunningBot } from "../../pipeline/bot.ts";
import type { DialogRow } from "../../store/dialogs.ts";
import { nameHidden, usernameShown } from "../../../plugins/hide-info/shown.ts";

/** A dialog's status in Hotline's words, plus `banned` and `awaiting_keyword` (no topic yet). */
export type DialogStatus = "user_answered" | "support_answered" | "closed" | "banned" | "awaiting_keyword" | "idle";

/** The status of a conversation state. */
export function dialogStatusOf(state: string, value: unknown): DialogStatus {
  if (state === "topic-open") return statusOf(value) === "support_answered" ? "support_answered" : "user_answered";
  if (state === "closed" || state === "banned" || state === "idle") return state;
  return "awaiting_keyword";
}

/** The labels a conversation has (the labels plugin's data: their keys, in the order set). */
function labelsOf(data: Readonly<Record<string, unknown>> | undefined): string[] {
  const keys = (data?.["labels"] as { keys?: unknown } | undefined)?.keys;
  return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === "string") : [];
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** One dialog as the API shows it. `now` (ms) measures the wait. */
export function dialogInfo(bot: Pick<RunningBot, "id" | "me" | "topicTitleOf">, config: BotConfig, row: DialogRow, now: number) {
  const snapshot = row.snapshot as StoredSnapshot;
  const context = snapshot.context;
  const user = context.user;
  const status = dialogStatusOf(row.state, snapshot.value);
  const hidden = config.params.hide_info as readonly string[];
  const hideName = nameHidden(hidden, user);
  // Only a 🟪 dialog waits; a dialog stepped before wait times were kept counts from its last change.
  const waitingSince = status === "user_answered" ? (context.waitingSince ?? row.updatedAt) : undefined;
  return {
    bot: bot.id,
    frontend_type: conversationKindOf(user),
    instance_id: bot.id,
    instance_name: bot.me.username,
    instance_frontend_user_id: bot.me.id,
    chat_id: row.chatId,
    thread_id: row.topicId,
    topic_status: status,
    topic_title: row.topicId === null ? null : bot.topicTitleOf(context, row.state, statusOf(snapshot.value)) ?? null,
    topic_last_date: iso(row.updatedAt),
    user_id: user.id,
    user_name: hideName ? null : displayName(user),
    user_first_name: hideName ? null : user.firstName,
    user_last_name: hideName ? null : user.lastName ?? null,
    user_username: usernameShown(hidden, user) ? user.username ?? null : null,
    user_lang: user.languageCode ?? null,
    // Bots never learn a user's phone number unless the user shares a contact.
    user_phone: null,
    blocked: context.blocked,
    labels: labelsOf(context.data),
    first_contact: iso(context.firstContactAt),
    waiting_since: iso(waitingSince),
    wait_seconds: waitingSince === undefined ? null : Math.max(0, Math.floor((now - waitingSince) / 1000)),
  };
}

/** The info of one dialog. */
export type DialogInfo = ReturnType<typeof dialogInfo>;
