/**
 * What operators may see of a user under `hide_info` — one rule for everything that names users
 * (topic titles, the info card, exports):
 * - `name` (and, for a monitored group or channel, `title`) shows a stable alias instead of the
 *   name; for a private user `title` does too;
 * - the username is shown only when neither the name nor the `link` is hidden;
 * - `link` hides every handle that leads to the profile: the username and the numeric id.
 */
import type { UserProfile } from "../../src/mod.ts";
import { aliasOf } from "./alias.ts";

/** True when operators see an alias instead of the user's (or chat's) name. */
export const nameHidden = (hidden: readonly string[], user: UserProfile): boolean =>
  user.chatKind ? hidden.includes("title") : hidden.includes("name") || hidden.includes("title");

/** The alias operators see instead of the user's name, or undefined when the name is shown. */
export function hiddenNameOf(botId: string, hidden: readonly string[], user: UserProfile): string | undefined {
  if (nameHidden(hidden, user)) return aliasOf(botId, user.id);
}

/** True when the user's @username may be shown. */
export const usernameShown = (hidden: readonly string[], user: UserProfile): boolean => !hidden.includes("link") && !nameHidden(hidden, user);

/** True when the user's numeric id may be shown. */
export const idShown = (hidden: readonly string[]): boolean => !hidden.includes("link");
