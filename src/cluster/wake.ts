/**
 * How the owner of a bot learns that another instance stored rows in the bot's inbox (a webhook
 * update, an intercepted message, a Topics API call): a notification (notify.ts) wakes its
 * processor at once, and a slow re-check on the Clock wakes it anyway, for a notification lost
 * (a failed publish, the listening connection down). The same for the owner's pusher to a
 * parallel system's webhook.
 */
import type * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Runtime from "effect/Runtime";
import * as Schedule from "effect/Schedule";
import type * as Scope from "effect/Scope";
import type { InboxService } from "../pipeline/inbox.ts";
import type { Notifier, Purpose } from "./notify.ts";

/** The default interval of the slow re-check. */
export const INBOX_RECHECK = "30 seconds";

/** Wakes `inbox`'s processor on every notice for `botId`, and every `recheck` on the Clock, for the life of the Scope. */
export const wakeOnNotify = (notifier: Notifier, botId: string, inbox: Pick<InboxService, "wake">, recheck: Duration.DurationInput = INBOX_RECHECK): Effect.Effect<void, never, Scope.Scope> =>
  onNoticeAndRecheck(notifier, "inbox", botId, inbox.wake, recheck);

/**
 * Runs `look` on every notice of `purpose` for `botId`, and every `recheck` on the Clock, for the
 * life of the Scope: the owner's processor (inbox), its pusher to the parallel system's webhook
 * (proxy: a webhook set or updates queued through another instance's proxy).
 */
export const onNoticeAndRecheck = (notifier: Notifier, purpose: Purpose, botId: string, look: Effect.Effect<void>, recheck: Duration.DurationInput = INBOX_RECHECK): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<never>();
    yield* notifier.subscribe(purpose, botId, () => void Runtime.runFork(runtime)(look));
    // One look now that the subscription is in place: a row stored after the owner's first read
    // but before it subscribed (a bot still starting, as after a takeover) had its notice go to
    // no one, and would otherwise wait for the slow re-check.
    yield* look;
    yield* Effect.forkScoped(Effect.schedule(look, Schedule.spaced(recheck)));
  });
