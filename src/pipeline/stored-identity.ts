/**
 * A bot taken over from another instance starts with the identity that instance stored
 * (store/bot-identity.ts) instead of calling getMe: with hundreds of bots changing hands at once,
 * one Bot API call fewer per bot in the burst. Telegram is still asked, in the background, once the
 * burst is over; what it says replaces the stored identity, and a token it rejects is logged as
 * loudly as at a start (the poller's own 401s say it too).
 */
import type { UserFromGetMe } from "@grammyjs/types";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import type { BotView } from "../plugins/api.ts";
import type { Logger } from "../util/log.ts";

/** How long after a takeover's start getMe is asked (on the pipeline's Clock): after the burst of starts. */
export const identityRecheck = Duration.seconds(30);

/** `stored` when it is the identity of the bot of `token` (a token begins with its bot's id), else undefined. */
export const sameBot = (stored: UserFromGetMe | undefined, token: string): UserFromGetMe | undefined =>
  stored !== undefined && token.startsWith(`${stored.id}:`) ? stored : undefined;

/** Whether two getMe answers say the same (what is stored need not be written again). */
export const sameIdentity = (a: UserFromGetMe | undefined, b: UserFromGetMe | undefined): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Asks getMe; stores and shows (the plugins' view) an identity that changed; logs a refusal. */
export const recheckIdentity = <E extends { message: string }>(
  getMe: Effect.Effect<UserFromGetMe, E>,
  stored: UserFromGetMe,
  view: { username: BotView["username"] },
  record: (me: UserFromGetMe) => Effect.Effect<void, { message: string }>,
  log: Logger,
): Effect.Effect<void> =>
  getMe.pipe(
    Effect.flatMap((me) => {
      if (sameIdentity(me, stored)) return Effect.void;
      view.username = me.username;
      // The running bot holds `stored` itself (RunningBot.me, the Topics API's name of it): it changes in place.
      Object.assign(stored, me);
      return record(me);
    }),
    Effect.catchAll((e) => Effect.sync(() => log.error(`getMe after a takeover failed: ${e.message}`))),
  );
