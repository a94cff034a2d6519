/**
 * The plugin host's background work (`Plugin.start`) as fibers in a scope: an Effect start runs
 * with the plugins' services until the scope closes; a promise start sees its signal abort and
 * is waited for, at most a grace period (on the TestClock); a failing start is logged and costs
 * only its own plugin's work.
 */
import { Context, Effect, Exit, Fiber, Layer, ManagedRuntime, Scope, TestContext } from "effect";
import { describe, expect, it } from "vitest";
import type { Plugin } from "../../src/plugins/api.ts";
import { PluginHost } from "../../src/plugins/host.ts";
import { capturingLogger } from "../support/capture-log.ts";
import { adjustWhenSleeping } from "../support/test-clock.ts";
import { waitFor } from "../support/world.ts";

class Counter extends Context.Tag("test/Counter")<Counter, { readonly name: string }>() {}

describe("plugin background work", () => {
  it("runs Effect and promise starts until the scope closes; failures cost only their own plugin", async () => {
    const { log, lines } = capturingLogger();
    const seen: string[] = [];
    const plugins: Plugin[] = [
      {
        name: "effectful",
        start: () =>
          Effect.gen(function* () {
            const counter = yield* Counter; // a service of the plugins' layers
            seen.push(`effect started with ${counter.name}`);
            yield* Effect.never;
          }).pipe(Effect.onInterrupt(() => Effect.sync(() => seen.push("effect interrupted")))),
      },
      {
        name: "promised",
        start: async (signal) => {
          seen.push("promise started");
          await new Promise((resolve) => signal.addEventListener("abort", resolve));
          await new Promise((resolve) => setTimeout(resolve, 20)); // settles a little after the abort
          seen.push("promise settled");
        },
      },
      { name: "throws", start: () => { throw new Error("no start for you"); } },
      { name: "rejects", start: async () => { throw new Error("rejected start"); } },
      { name: "fails", start: () => Effect.fail(new Error("failed Effect")) },
    ];
    const runtime = ManagedRuntime.make(Layer.succeed(Counter, { name: "the counter" }));
    const host = new PluginHost(plugins, log, 2_000, runtime);

    const scope = await Effect.runPromise(Scope.make());
    await Effect.runPromise(Scope.extend(host.run, scope));
    await waitFor(() => seen.includes("effect started with the counter") && seen.includes("promise started"), "both started");
    await waitFor(() => lines.filter((l) => l.includes("plugin background work failed; the bot goes on without it")).length === 3, "three failures logged");
    for (const [plugin, error] of [["throws", "no start for you"], ["rejects", "rejected start"], ["fails", "failed Effect"]]) {
      expect(lines.some((l) => l.includes(`"plugin":"${plugin}"`) && l.includes(error))).toBe(true);
    }
    expect(seen).not.toContain("effect interrupted");

    await Effect.runPromise(Scope.close(scope, Exit.void));
    // Closing waited for both: the Effect was interrupted, the promise settled after its abort.
    expect(seen).toContain("effect interrupted");
    expect(seen).toContain("promise settled");
    await runtime.dispose();
  });

  it("a promise start that ignores its signal holds the stop only for the grace period (on the Clock)", async () => {
    const { log, lines } = capturingLogger();
    let started = false;
    const host = new PluginHost([{ name: "stubborn", start: () => { started = true; return new Promise<void>(() => {}); } }], log);
    await Effect.runPromise(Effect.gen(function* () {
      const scope = yield* Scope.make();
      yield* Scope.extend(host.run, scope);
      yield* Effect.promise(() => waitFor(() => started, "started"));
      const closing = yield* Effect.fork(Scope.close(scope, Exit.void));
      // Closing waits for the promise until the TestClock passes the grace period.
      yield* adjustWhenSleeping(3_000);
      yield* Fiber.join(closing);
    }).pipe(Effect.provide(TestContext.TestContext)));
    expect(lines.filter((l) => l.startsWith("warn plugin background work did not settle after its signal aborted") && l.includes("stubborn"))).toHaveLength(1);
  });
});
