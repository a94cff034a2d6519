/** The emulator's call log: who called what and when, for tests of several processes on one emulator. */
import { afterEach, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/sandbox/emulator/mod.ts";

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

it("records each call with its caller (named by an api_root of {url}/c/NAME) and its times; off by default", async () => {
  emu = await startEmulator({ recordCalls: true });
  const bot = emu.createBot({ username: "log_bot" });
  const before = Date.now();
  expect((await (await fetch(`${emu.url}/c/alpha/bot${bot.token}/getMe`, { method: "POST" })).json()).ok).toBe(true);
  expect((await (await fetch(`${emu.url}/bot${bot.token}/getUpdates`, { method: "POST" })).json()).ok).toBe(true);
  const log = emu.callLog();
  expect(log.map((c) => [c.caller, c.token, c.method])).toEqual([["alpha", bot.token, "getMe"], [undefined, bot.token, "getUpdates"]]);
  expect(log.every((c) => c.startedAt >= before && c.endedAt >= c.startedAt)).toBe(true);
  await emu.close();

  emu = await startEmulator();
  const other = emu.createBot({ username: "quiet_bot" });
  await fetch(`${emu.url}/c/alpha/bot${other.token}/getMe`, { method: "POST" });
  expect(emu.callLog()).toEqual([]);
});
