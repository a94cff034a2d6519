/**
 * The plugin host's gates and reactions, as plugins see them: the host reads each plugin's
 * hooks once when it is made (the per-message loops then skip plugins without any), so this
 * pins what a plugin may rely on — the order of calls across plugins, a refusal stopping the
 * gates, `this` being the plugin for its gate and step hooks, a hook that answers later or
 * throws.
 */
import { describe, expect, it } from "vitest";
import type { HookContext, Plugin, TransitionContext } from "../../src/plugins/api.ts";
import { PluginHost } from "../../src/plugins/host.ts";
import { capturingLogger } from "../support/capture-log.ts";

const ctx = { conversation: { chatId: 1 }, event: { type: "user.message" } } as unknown as HookContext;
const step = (from: string | undefined, to: string): TransitionContext =>
  ({ ...ctx, from: from === undefined ? undefined : { state: from, status: undefined }, to: { state: to, status: undefined }, intents: [] }) as unknown as TransitionContext;

/** A plugin written as a class: its hooks read its own fields through `this`. */
class Recording implements Plugin {
  readonly name: string;
  readonly calls: string[];
  readonly refuse: boolean;
  constructor(name: string, calls: string[], refuse = false) {
    this.name = name;
    this.calls = calls;
    this.refuse = refuse;
  }
  accept() {
    this.calls.push(`${this.name}.accept`);
    return !this.refuse;
  }
  mayRelay() {
    this.calls.push(`${this.name}.mayRelay`);
    return false;
  }
  onEvent() {
    this.calls.push(`${this.name}.onEvent`);
    return { intents: [{ type: "sendToTopic" as const, text: this.name }] };
  }
  onTransition() {
    this.calls.push(`${this.name}.onTransition`);
  }
}

describe("plugin host: gates and reactions", () => {
  it("asks every plugin's gates in order with the plugin as `this`, skipping plugins without any", () => {
    const calls: string[] = [];
    const host = new PluginHost([new Recording("a", calls), { name: "quiet" }, new Recording("b", calls)], capturingLogger().log);
    expect(host.gates(ctx)).toEqual({ accept: true, open: true, relay: false, reopen: true, handled: false });
    expect(calls).toEqual(["a.accept", "a.mayRelay", "b.accept", "b.mayRelay"]);
  });

  it("a refusal stops the gates: later plugins are not asked", () => {
    const calls: string[] = [];
    const host = new PluginHost([new Recording("a", calls, true), new Recording("b", calls)], capturingLogger().log);
    expect((host.gates(ctx) as { accept: boolean }).accept).toBe(false);
    expect(calls).toEqual(["a.accept"]);
  });

  it("reactions: onLeave, onEnter, onTransition when the state moved, onEvent always; in plugin order", () => {
    const calls: string[] = [];
    const entering: Plugin = {
      name: "enter",
      onLeave: { idle: () => void calls.push("enter.onLeave idle") },
      onEnter: { "topic-open": () => ({ intents: [{ type: "sendToTopic", text: "entered" }] }) },
    };
    const host = new PluginHost([new Recording("a", calls), entering, new Recording("b", calls)], capturingLogger().log);
    const moved = host.react(step("idle", "topic-open"));
    expect(moved).toEqual({ intents: [{ type: "sendToTopic", text: "a" }, { type: "sendToTopic", text: "entered" }, { type: "sendToTopic", text: "b" }], effects: [], events: [] });
    expect(calls).toEqual(["a.onTransition", "a.onEvent", "enter.onLeave idle", "b.onTransition", "b.onEvent"]);
    calls.length = 0;
    host.react(step("topic-open", "topic-open"));
    expect(calls).toEqual(["a.onEvent", "b.onEvent"]);
  });

  it("a hook that answers later makes the answer a promise; one that throws counts as no answer", async () => {
    const { log, lines } = capturingLogger();
    const later: Plugin = { name: "later", onEvent: async () => ({ intents: [{ type: "sendToTopic", text: "later" }] }) };
    const broken: Plugin = {
      name: "broken",
      mayOpen: () => {
        throw new Error("boom");
      },
    };
    const host = new PluginHost([broken, later], log);
    expect(host.gates(ctx)).toEqual({ accept: true, open: true, relay: true, reopen: true, handled: false });
    expect(lines.some((l) => l.includes("plugin hook failed") && l.includes('"hook":"mayOpen"'))).toBe(true);
    const reactions = host.react(step("idle", "idle"));
    expect(reactions).toBeInstanceOf(Promise);
    expect((await reactions).intents).toEqual([{ type: "sendToTopic", text: "later" }]);
  });
});
