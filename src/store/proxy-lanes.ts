/**
 * How the parallel system's queue is keyed, the way Telegram keys a webhook's queues: an update
 * belongs to the lane of its chat (or, without a chat, of its user), and a lane is delivered
 * strictly in order while lanes go on independently. One refused update holds back only its own
 * chat. Private chats share their id with the user, so a user's messages, button presses and
 * inline queries form one lane.
 */
import type { Update } from "@grammyjs/types";

/** The kinds Telegram leaves out unless `allowed_updates` names them. */
export const OFF_BY_DEFAULT: ReadonlySet<string> = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

/** An update's kind: its one field besides `update_id` ("" for an empty update). */
export function updateKind(update: Update): string {
  for (const key in update) if (key !== "update_id") return key;
  return "";
}

/** Whether the parallel system wants `kind`, given its `allowed_updates` (undefined: Telegram's default). */
export function isWanted(kind: string, allowed: readonly string[] | undefined): boolean {
  return allowed === undefined ? !OFF_BY_DEFAULT.has(kind) : allowed.includes(kind);
}

/** A safe integer id, or undefined for anything else (updates come from outside). */
const idOf = (value: unknown): number | undefined => (typeof value === "number" && Number.isSafeInteger(value) ? value : undefined);

type Body = { chat?: { id?: unknown }; message?: { chat?: { id?: unknown } }; from?: { id?: unknown }; user?: { id?: unknown } } | undefined;

/** The lane of an update: its chat, else its user, else a lane of its own. */
export function laneOf(update: Update): string {
  const body = (update as unknown as Record<string, Body>)[updateKind(update)];
  const id = body && typeof body === "object"
    ? idOf(body.chat?.id) ?? idOf(body.message?.chat?.id) ?? idOf(body.from?.id) ?? idOf(body.user?.id)
    : undefined;
  return id !== undefined ? String(id) : `#${String(update.update_id)}`;
}
