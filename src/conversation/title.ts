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

/**
 * Builds the title for a status, trimmed to Telegram's limit without splitting a surrogate pair.
 * `suffix` (plugins' additions, e.g. label tickers) goes after the name. Trailing blanks go too
 * (also those the cut leaves): Telegram strips them, and the title must be the one it shows,
 * since topic adoption matches a created topic by its name.
 */
export function topicTitle(status: TitleStatus, user: UserProfile, name: (user: UserProfile) => string = displayName, suffix?: string): string {
  const title = `${statusSquare[status]} ${name(user)}${suffix ? ` ${suffix}` : ""}`;
  return Array.from(title).slice(0, 128).join("").trimEnd();
}

/** The title status of a conversation's state, or undefined when it has no topic to title. */
export function titleStatusOf(state: string, status: string | undefined): TitleStatus | undefined {
  if (state === "topic-open") return status === "support_answered" ? "support_answered" : "user_answered";
  // A banned dialog's topic is closed and titled so.
  if (state === "closed" || state === "banned") return "closed";
  return undefined;
}
