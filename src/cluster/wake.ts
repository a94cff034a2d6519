/**
 * How the owner of a bot learns that another instance stored rows in the bot's inbox (a webhook
 * update, an intercepted message, a Topics API call): a notification (notify.ts) wakes its
 * processor at once, and a slow re-check on the Clock wakes it anyway, for a notification lost
 * while the listening connection was down.
 */
import type * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Runtime from "effect/Runtime";
import * as Schedule from "effect/Schedule";
import type * as Scope from "effect/Scope";
import type { InboxService } from "../pipeline/inbox.ts";
import type { Notifier } from "./notify.ts";

/** The default interval of the slow re-check. */
export const INBOX_RECHECK = "30 seconds";

/** Wakes `inbox`'s processor on every notice for `botId`, and every `recheck` on the Clock, for the life of the Scope. */
export const wakeOnNotify = (notifier: Notifier, botId: string, inbox: Pick<InboxService, "wake">, recheck: Duration.DurationInput = INBOX_RECHECK): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<never>();
    yield* notifier.subscribe("inbox", botId, () => void Runtime.runFork(runtime)(inbox.wake));
    yield* Effect.forkScoped(Effect.schedule(inbox.wake, Schedule.spaced(recheck)));
  });
