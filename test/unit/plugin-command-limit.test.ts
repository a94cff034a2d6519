/**
 * Plugin commands run in a time box: one that runs out is never silent in General, and a
 * command may declare a longer (or shorter) limit than the host's, as /export does.
 */
import * as Effect from "effect/Effect";
import { describe, expect, it } from "vitest";
import exportPlugin from "../../plugins/export/mod.ts";
import type { HookContext, Plugin } from "../../src/plugins/api.ts";
import { PluginHost } from "../../src/plugins/host.ts";
import { capturingLogger } from "../support/capture-log.ts";

const ctx = { conversation: { chatId: 0 }, event: { type: "operator.command" } } as unknown as HookContext;

describe("plugin command time limits", () => {
  it("a General command that runs out is answered in General, not dropped silently", async () => {
    const { log, lines } = capturingLogger();
    const slow: Plugin = { name: "slow", commands: { slow: { help: "/slow", where: "general", run: () => new Promise<void>(() => {}) } } };
    // A real, short limit: the command never settles, so nothing here waits on timing.
    const host = new PluginHost([slow], log, 20);
    const out = await host.generalCommand(ctx, "slow", "");
    expect(out?.intents).toEqual([{ type: "sendToGeneral", text: "⚠️ /slow took too long and was stopped" }]);
    expect(lines.some((l) => l.includes("plugin hook timed out") && l.includes('"after_ms":20'))).toBe(true);
  });

  it("a command's own limit replaces the host's; an Effect command is interrupted when it runs out", async () => {
    const { log, lines } = capturingLogger();
    let interrupted = false;
    const plugin: Plugin = {
      name: "own-limit",
      commands: { report: { help: "/report", where: "general", timeLimitMs: 20, run: () => Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => (interrupted = true)))) } },
    };
    // The host's own limit is far away: only the command's 20 ms can end this.
    const host = new PluginHost([plugin], log, 3_600_000);
    const out = await host.generalCommand(ctx, "report", "");
    expect(out?.intents).toEqual([{ type: "sendToGeneral", text: "⚠️ /report took too long and was stopped" }]);
    expect(interrupted).toBe(true);
    expect(lines.some((l) => l.includes('"after_ms":20'))).toBe(true);
  });

  it("/export declares a longer limit than the host's 2 seconds", () => {
    const { log } = capturingLogger();
    const created = exportPlugin.create({}, { bot: { id: "b", username: "", groupId: -1001, params: {} }, log } as never) as Plugin;
    expect(created.commands?.export?.timeLimitMs).toBe(60_000);
  });
});
