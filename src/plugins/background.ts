/**
 * The plugins' background work (`Plugin.start`) as fibers in a scope: closing the scope is how
 * the bot stops it. An Effect-returning `start` is the fiber itself; a promise-returning one is
 * wrapped, so interrupting its fiber aborts the plugin's `signal` and then waits for the promise
 * (time-boxed: a plugin that ignores its signal cannot hold the bot's stop).
 */
import * as Cause from "effect/Cause";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import type * as ManagedRuntime from "effect/ManagedRuntime";
import type * as Scope from "effect/Scope";
import type { Logger } from "../util/log.ts";
import type { Plugin } from "./api.ts";

/** How long a stop waits for a promise-based `start` to settle after its signal aborted. */
const promiseStopGrace = Duration.seconds(3);

/** Why background work failed, for the log line. */
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * A promise already running as an Effect: interruption aborts `stop` and waits for the promise
 * to settle (at most {@link promiseStopGrace}); a rejection is the Effect's failure.
 */
function awaitPromise(running: Promise<void>, stop: AbortController, plugin: string, log: Logger): Effect.Effect<void, unknown> {
  const settled = Effect.promise(() =>
    running.then(
      () => undefined,
      (error) => log.error("plugin background work failed while stopping", { plugin, error: messageOf(error) }),
    )
  );
  return Effect.tryPromise({ try: () => running, catch: (error) => error }).pipe(
    Effect.onInterrupt(() =>
      Effect.sync(() => stop.abort()).pipe(
        // Finalizers are uninterruptible, and a timeout waits for what it cuts short to stop:
        // the wait for the promise must be interruptible for the time box to end it.
        Effect.zipRight(Effect.interruptible(settled)),
        Effect.timeoutTo({
          duration: promiseStopGrace,
          onSuccess: () => undefined,
          onTimeout: () => log.warn("plugin background work did not settle after its signal aborted; the bot stops without it", { plugin, after_ms: Duration.toMillis(promiseStopGrace) }),
        }),
      )
    ),
  );
}

/** One plugin's `start`, whatever it returns, as an Effect that never fails (a failure is logged). */
function backgroundOf(plugin: Plugin, log: Logger, runtime: ManagedRuntime.ManagedRuntime<any, unknown> | undefined): Effect.Effect<void> {
  return Effect.suspend(() => {
    const stop = new AbortController();
    return Effect.try({ try: () => plugin.start!(stop.signal), catch: (error) => error }).pipe(
      Effect.flatMap((started): Effect.Effect<void, unknown> => {
        if (!Effect.isEffect(started)) return awaitPromise(Promise.resolve(started as Promise<void>), stop, plugin.name, log);
        const work = started as Effect.Effect<void, unknown, any>;
        // An Effect may use any loaded plugin's services, as hooks do.
        return runtime ? Effect.provide(work, runtime) : (work as Effect.Effect<void, unknown>);
      }),
    );
  }).pipe(
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.void
        : Effect.sync(() => log.error("plugin background work failed; the bot goes on without it", { plugin: plugin.name, error: messageOf(Cause.squash(cause)) }))
    ),
  );
}

/**
 * Forks every plugin's background work into the caller's scope, as one fiber running them side
 * by side (so a stop interrupts them all at once); returns once it is forked. Closing the scope
 * interrupts them and waits until they have stopped.
 */
export function runBackground(
  plugins: readonly Plugin[],
  log: Logger,
  runtime?: ManagedRuntime.ManagedRuntime<any, unknown>,
): Effect.Effect<void, never, Scope.Scope> {
  const all = Effect.forEach(plugins.filter((p) => p.start), (plugin) => backgroundOf(plugin, log, runtime), { concurrency: "unbounded", discard: true });
  return Effect.asVoid(Effect.forkScoped(all));
}
