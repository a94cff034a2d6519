/** The example plugin, loaded from a path in a YAML config and run end to end through the emulator. */
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { botMessagesTo, closeAll, createWorld, startSwitchboard, topicMessages, topicNamed, waitFor } from "../../test/support/world.ts";
import { isOpen, type OfficeHours } from "./plugin.ts";

const pluginPath = fileURLToPath(new URL("./plugin.ts", import.meta.url));
afterEach(closeAll);

describe("office-hours example plugin", () => {
  it("knows office hours (pure)", () => {
    const hours: OfficeHours = { open: 9 * 60, close: 18 * 60, days: [1, 2, 3, 4, 5], utcOffset: 0, text: "x" };
    expect(isOpen(hours, Date.UTC(2026, 10, 24, 10, 0))).toBe(true); // Tuesday 10:00
    expect(isOpen(hours, Date.UTC(2026, 10, 24, 20, 0))).toBe(false); // Tuesday 20:00
    expect(isOpen(hours, Date.UTC(2026, 10, 22, 10, 0))).toBe(false); // Sunday
  });

  it("auto-replies outside office hours, once per opening", async () => {
    const w = await createWorld();
    // Office hours that are never open: every day, an empty window.
    await startSwitchboard(w, {
      extra: `    params: { welcome: off }
    plugins:
      - path: ${pluginPath}
        options: { open: "00:00", close: "00:00", days: [1, 2, 3, 4, 5, 6, 7], text: "We are closed now." }
`,
    });
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hello?" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "anyone?" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text?.includes("Auto-reply sent")), "topic note");
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "anyone?"), "second copy");
    expect(botMessagesTo(w, ann.id).map((m) => m.text)).toEqual(["We are closed now."]);
  });

  it("rejects bad options naming bots[0].plugins[0]", async () => {
    const w = await createWorld();
    await expect(startSwitchboard(w, {
      extra: `    plugins:
      - path: ${pluginPath}
        options: { open: "9am" }
`,
    })).rejects.toThrow(/bots\[0\]\.plugins\[0\]\.options\.open: expected a time like "09:00", got "9am"/);
  });
});
