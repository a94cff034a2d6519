/** The info card: what operators may know about the user, minus what `hide_info` hides. */
import type { ConversationView, Params } from "../../src/mod.ts";
import { idShown, usernameShown } from "../hide-info/shown.ts";
import { interceptedCount } from "../intercept/mod.ts";

/**
 * The card of a monitored group or channel: its type, its public link (unless `hide_info: [link]`)
 * and id. The member count is asked of Telegram when the card is sent (see `withMemberCount`).
 */
function chatCard(conversation: ConversationView, params: Params, name: string): string {
  const chat = conversation.user;
  const lines = [`ℹ️ ${name}`, `Type: ${chat.chatKind}`];
  if (usernameShown(params.hide_info, chat) && chat.username) lines.push(`Link: https://t.me/${chat.username}`);
  lines.push(`ID: ${chat.id}`);
  lines.push(`First contact: ${new Date(conversation.firstContactAt).toISOString().slice(0, 16).replace("T", " ")} UTC`);
  lines.push(`Status: ${conversation.state}${conversation.status ? ` (${conversation.status})` : ""}`);
  return lines.join("\n");
}

/** Formats the card as plain text. `name` is what operators see (an alias under hide_info). */
export function infoCard(conversation: ConversationView, params: Params, name: string, start: string | undefined): string {
  const hidden = params.hide_info;
  const user = conversation.user;
  if (user.chatKind) return chatCard(conversation, params, name);
  const lines = [`ℹ️ ${name}`];
  if (usernameShown(hidden, user) && user.username) lines.push(`Username: @${user.username}`);
  if (usernameShown(hidden, user)) lines.push(`Link: tg://user?id=${user.id}`);
  // Operators need the numeric id (bans, CRM lookups) even when the name is an alias; only
  // `link` hides it, as it hides every handle that leads to the user's profile.
  if (idShown(hidden)) lines.push(`ID: ${user.id}`);
  if (user.languageCode) lines.push(`Language: ${user.languageCode}`);
  if (start) lines.push(`Start parameter: ${start}`);
  lines.push(`First contact: ${new Date(conversation.firstContactAt).toISOString().slice(0, 16).replace("T", " ")} UTC`);
  lines.push(`Status: ${conversation.state}${conversation.status ? ` (${conversation.status})` : ""}`);
  // Parallel mode: how many messages the other system sent this user.
  const intercepted = interceptedCount(conversation.data);
  if (intercepted > 0) lines.push(`Intercepted bot messages: ${intercepted}`);
  return lines.join("\n");
}
