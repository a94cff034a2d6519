/** The `limits` extension key: Telegram's rates by default, `off`, or tuned per rate. */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/mod.ts";
import { bot, file, lines } from "./helpers.ts";

const limitsOf = (yaml: string) => parseConfig(file(bot(yaml)), {}).bots[0].limits;

describe("limits", () => {
  it("defaults to Telegram's published limits", () => {
    expect(limitsOf("")).toEqual({ globalPerSecond: 30, groupPerMinute: 20, privatePerSecond: 1 });
    expect(limitsOf("    limits: telegram\n")).toEqual({ globalPerSecond: 30, groupPerMinute: 20, privatePerSecond: 1 });
  });

  it("can be switched off entirely or per rate", () => {
    expect(limitsOf("    limits: off\n")).toEqual({ globalPerSecond: null, groupPerMinute: null, privatePerSecond: null });
    expect(limitsOf("    limits: { group_per_minute: 60, private_per_second: off }\n")).toEqual({ globalPerSecond: 30, groupPerMinute: 60, privatePerSecond: null });
  });

  it("names the key and the problem for bad values", () => {
    expect(lines(file(bot("    limits: fast\n")))).toEqual([`bots[0].limits: expected "telegram", "off" or a mapping with global_per_second, group_per_minute, private_per_second, got "fast"`]);
    expect(lines(file(bot("    limits: { group_per_minute: -5 }\n")))).toEqual([`bots[0].limits.group_per_minute: expected a positive number or "off", got -5`]);
    expect(lines(file(bot("    limits: { group_per_minite: 5 }\n")))[0]).toMatch(/^bots\[0\]\.limits\.group_per_minite: unknown key \(did you mean "group_per_minute"\?\)/);
  });
});
