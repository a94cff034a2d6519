/** The topic title: status square, then the user's name. Telegram caps titles at 128 characters. */
import type { UserProfile } from "./events.ts";

/** The status squares as users of the reference product know them. */
export const statusSquare = {
  user_answered: "🟪",
  support_answered: "🟨",
  closed: "⬛️",
} as const;

/** A status the title can show. */
export type TitleStatus = keyof typeof statusSquare;

/** "First Last", falling back to @username, then the id, so a title is never empty. */
export function displayName(user: UserProfile): string {
  const full = [user.firstName, user.lastName].filter(Boolean).join(" ").trim();
  return full || (user.username ? `@${user.username}` : `id${user.id}`);
}

/** Builds the title for a status, trimmed to Telegram's limit without splitting a surrogate pair. */
export function topicTitle(status: TitleStatus, user: UserProfile, name: (user: UserProfile) => string = displayName): string {
  const title = `${statusSquare[status]} ${name(user)}`;
  return Array.from(title).slice(0, 128).join("");
}
