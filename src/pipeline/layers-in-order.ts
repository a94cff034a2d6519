/**
 * Builds a bot's layers one after another into the current Scope, each given what the ones
 * before it built. Measured (bench/bot-start.ts's README section): composing the same nine layers
 * with `Layer.mergeAll`/`provideMerge` and one `Layer.build` cost ~1.9 ms of CPU per bot to build
 * and ~1.1 ms to release (merges build and release in parallel fibers, each with scopes and a memo
 * map of their own), building them in order ~0.4 and ~0.15 ms: with hundreds of bots starting
 * at once (a takeover) that is the difference between seconds of one thread's time and a fraction.
 * Release runs in reverse order of building: a layer stops before those it was built on.
 */
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import type * as Scope from "effect/Scope";

/** Builds `layers` in order in the current Scope on top of `context`; returns everything built (and `context`). */
export const buildInOrder = <R>(context: Context.Context<R>, layers: readonly Layer.Layer<any, any, any>[]): Effect.Effect<Context.Context<any>, unknown, Scope.Scope> =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope;
    let built: Context.Context<any> = context;
    for (const layer of layers) built = Context.merge(built, yield* Effect.provide(Layer.buildWithScope(layer, scope), built));
    return built;
  });
