/**
 * The `Timers` service of one bot: a fiber that fires due timer rows as `timer` events through
 * the stepper, so a timer's handling and its removal commit together. Between firings it sleeps
 * on the Clock until the next row is due, or until a commit sets a new timer, or at most
 * `interval` (a safety net). A test moves time with `TestClock.adjust` and the timers fire —
 * nothing waits in real time.
 */
import * as Clock from "effect/Clock";
import * as Context from "effect/Context";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { deleteTimerIfUnchanged, dueTimers, nextTimerDue } from "../store/timers.ts";
import { query, Store, type StoreError } from "../store/store.ts";
import { Bot } from "./bot-env.ts";
import { Stepper } from "./stepper.ts";

/** What the service offers. */
export interface TimersService {
  /** Fires every due timer now; concurrent calls share one run (a timer never fires twice). */
  readonly tick: Effect.Effect<void>;
  /** Timers fired since start. */
  readonly fired: number;
}

/** See the module comment. */
export class Timers extends Context.Tag("switchboard/Timers")<Timers, TimersService>() {
  /** Fires the bot's timers for the life of the scope, looking at least every `interval`. */
  static readonly layer = (interval: Duration.DurationInput = "1 hour"): Layer.Layer<Timers, never, Store | Bot | Stepper> =>
    Layer.scoped(
      Timers,
      Effect.gen(function* () {
        const { db } = yield* Store;
        const { botId, log } = yield* Bot;
        const stepper = yield* Stepper;
        let fired = 0;

        const fire: Effect.Effect<void, StoreError> = Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis;
          const due = yield* query("read due timers", () => dueTimers(db, botId, now));
          if (due.length === 0) return;
          yield* stepper.apply(due.map((t) => ({ chatId: t.chatId, event: { type: "timer" as const, kind: t.kind } })));
          // A timer whose conversation is gone (or that nobody cleared) must not fire forever.
          yield* query("remove fired timers", async () => {
            for (const t of due) await deleteTimerIfUnchanged(db, botId, t);
          });
          fired += due.length;
        });
        const oneAtATime = yield* Effect.makeSemaphore(1);
        const tick = fire.pipe(
          Effect.catchAll((error) => Effect.sync(() => log.error("timers could not be fired; will retry", { error: error.message }))),
          oneAtATime.withPermits(1),
        );

        const longest = Duration.toMillis(Duration.decode(interval));
        // The next timer is read first and the due ones only when it is due: one statement per look
        // when nothing is (at every bot's start, hundreds at once in a takeover), not two.
        const look = Effect.gen(function* () {
          const read = yield* Effect.either(query("read the next timer", () => nextTimerDue(db, botId)));
          // The store failing: fire what it lets us, then wait for a commit, as before this read came first.
          if (read._tag === "Left") return yield* Effect.zipRight(tick, stepper.timersSet);
          const next = read.right;
          const now = yield* Clock.currentTimeMillis;
          if (next !== undefined && next <= now) return yield* tick;
          // No timer at all: nothing can fall due until a commit sets one.
          if (next === undefined) return yield* stepper.timersSet;
          yield* Effect.race(Effect.sleep(Duration.millis(Math.min(longest, next - now))), stepper.timersSet);
        });
        yield* Effect.forkScoped(Effect.forever(look));
        return {
          tick,
          get fired() {
            return fired;
          },
        } satisfies TimersService;
      }),
    );
}
