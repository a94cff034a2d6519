/** The transport-free emulator (for the browser sandbox) answers like the HTTP one. */
import { describe, expect, it } from "vitest";
import { createEmulator, METHOD_NAMES } from "../../src/sandbox/emulator/mod.ts";

describe("in-process emulator", () => {
  it("calls methods without HTTP and reports drops as thrown errors", async () => {
    const emu = createEmulator();
    const bot = emu.createBot();
    const u = emu.createUser();
    emu.userSends(bot.token, u.id, { text: "hi" });
    expect(await emu.call(bot.token, "getUpdates", { timeout: 0 })).toMatchObject({ ok: true, result: [{ message: { text: "hi" } }] });
    expect(await emu.call(bot.token, "sendMessage", { chat_id: u.id, text: "yo" })).toMatchObject({ ok: true, result: { text: "yo" } });
    emu.injectFault({ method: "sendMessage", kind: "drop-after" });
    await expect(emu.call(bot.token, "sendMessage", { chat_id: u.id, text: "doubt" })).rejects.toThrow(/dropped/);
    expect(emu.messages(u.id).map((m) => m.text)).toEqual(["hi", "yo", "doubt"]);
    expect(await emu.call("1:x", "getMe")).toEqual({ ok: false, error_code: 401, description: "Unauthorized" });
    expect(() => emu.updatesFor("nope")).toThrow(/unknown bot/);
    expect(METHOD_NAMES).toContain("copyMessages");
    await emu.close();
  });
});
