import { describe, expect, it } from "vitest";
import { defaultParams, ICON_COLORS, PARAM_NAMES } from "../../src/config/mod.ts";
import { bot, file, lines, paramsOf } from "./helpers.ts";

const paramLines = (yaml: string) => lines(file(bot(`    params:\n${yaml}`)));

describe("parameter names", () => {
  it("are matched case-insensitively, as pasted from Hotline", () => {
    const params = paramsOf(`      WELCOME: "Hi {title}"\n      Private_Keywords: help\n      AutoClose: 2\n      HIDE_INFO: name\n`);
    expect(params.welcome).toBe("Hi {title}");
    expect(params.private_keywords).toEqual([{ kind: "any", phrase: "help" }]);
    expect(params.autoclose).toBe(2);
    expect(params.hide_info).toEqual(["name"]);
  });

  it("reports unknown and duplicate parameters", () => {
    expect(paramLines(`      welcom: hi\n`)).toEqual([`bots[0].params.welcom: unknown parameter (did you mean "welcome"?)`]);
    expect(paramLines(`      Private_Keyword: x\n`)).toEqual([`bots[0].params.Private_Keyword: unknown parameter (did you mean "private_keywords"?)`]);
    expect(paramLines(`      zzz: 1\n`)[0]).toMatch(/^bots\[0\]\.params\.zzz: unknown parameter \(expected one of: welcome, autoclose/);
    expect(paramLines(`      welcome: a\n      WELCOME: b\n`)).toEqual([`bots[0].params.WELCOME: duplicate parameter (also given as "welcome")`]);
  });

  it("reports problems under the canonical lowercase name", () => {
    expect(paramLines(`      AUTOCLOSE: soon\n`)).toEqual([`bots[0].params.autoclose: expected hours (e.g. 48 or 0.5) or "off", got "soon"`]);
  });

  it("requires params to be a mapping", () => {
    expect(lines(file(bot(`    params: [welcome]\n`)))).toEqual([`bots[0].params: expected a mapping (key: value), got a list`]);
  });

  it("exposes the names and defaults", () => {
    expect(PARAM_NAMES).toHaveLength(21);
    expect(defaultParams().ignore_chats).toEqual([777000]);
    expect(defaultParams().autoclose).toBe(48);
    expect(defaultParams().custom_commands).toBe(true);
  });
});

describe("values", () => {
  it("welcome: text, off (any case) → null, empty → default", () => {
    expect(paramsOf(`      welcome: "Hello, {title}!"\n`).welcome).toBe("Hello, {title}!");
    expect(paramsOf(`      welcome: OFF\n`).welcome).toBeNull();
    expect(paramsOf(`      welcome: false\n`).welcome).toBeNull();
    expect(paramsOf(`      welcome:\n`).welcome).toBe(defaultParams().welcome);
    expect(paramLines(`      welcome: ""\n`)).toEqual([`bots[0].params.welcome: expected a greeting text or "off", got ""`]);
  });

  it("autoclose: hours with fractions; off and 0 disable (Infinity)", () => {
    expect(paramsOf(`      autoclose: 0.5\n`).autoclose).toBe(0.5);
    expect(paramsOf(`      autoclose: "24"\n`).autoclose).toBe(24);
    expect(paramsOf(`      autoclose: off\n`).autoclose).toBe(Infinity);
    expect(paramsOf(`      autoclose: 0\n`).autoclose).toBe(Infinity);
    expect(paramLines(`      autoclose: -1\n`)).toEqual([`bots[0].params.autoclose: expected hours greater than 0 (e.g. 48 or 0.5) or "off", got -1`]);
  });

  it("booleans accept true/false, yes/no, on/off", () => {
    const p = paramsOf(`      auto_info: yes\n      silent_mode: "on"\n      reply_only: true\n      leave_closed: "TRUE"\n      intercept: no\n`);
    expect([p.auto_info, p.silent_mode, p.reply_only, p.leave_closed, p.intercept]).toEqual([true, true, true, true, false]);
    expect(paramsOf(`      CUSTOM_COMMANDS: "OFF"\n`).custom_commands).toBe(false);
    expect(paramLines(`      intercept: maybe\n`)).toEqual([`bots[0].params.intercept: expected true or false, got "maybe"`]);
  });

  it("id lists accept numbers, numeric strings, single values and comma lists", () => {
    const p = paramsOf(`      extensions_allowed: [1, "2", 2]\n      white_list: 42\n      ignore_chats: "7, 8"\n`);
    expect(p.extensions_allowed).toEqual([1, 2]);
    expect(p.white_list).toEqual([42]);
    // A given ignore_chats replaces the default [777000].
    expect(p.ignore_chats).toEqual([7, 8]);
    expect(paramLines(`      white_list: [1, bob]\n`)).toEqual([`bots[0].params.white_list[1]: expected a user or chat id (a number), got "bob"`]);
  });

  it("hide_info: a subset of name, title, link, command", () => {
    expect(paramsOf(`      hide_info: [name, Title, name]\n`).hide_info).toEqual(["name", "title"]);
    expect(paramsOf(`      hide_info: "name, link"\n`).hide_info).toEqual(["name", "link"]);
    expect(paramLines(`      hide_info: [name, phone]\n`)).toEqual([
      `bots[0].params.hide_info[1]: expected any of name, title, link, command, got "phone"`,
    ]);
  });

  it("leave_closed: true, false, or Hotline's kinds of chat", () => {
    expect(paramsOf(`      leave_closed: ["group", Channel, group]\n`).leave_closed).toEqual(["group", "channel"]);
    expect(paramsOf(`      LEAVE_CLOSED: "private, group"\n`).leave_closed).toEqual(["private", "group"]);
    expect(paramsOf(`      leave_closed: channel\n`).leave_closed).toEqual(["channel"]);
    expect(paramsOf(`      leave_closed: "off"\n`).leave_closed).toBe(false);
    expect(paramsOf(`      leave_closed: yes\n`).leave_closed).toBe(true);
    expect(paramLines(`      leave_closed: [group, chats]\n`)).toEqual([
      `bots[0].params.leave_closed[1]: expected true, false or any of private, group, channel, got "chats"`,
    ]);
  });

  it("monitor_* flags and groups/channels keywords, in Hotline's spellings", () => {
    const p = paramsOf(`      MONITOR_PRIVATE: "off"\n      monitor_groups: yes\n      Monitor_Channels: 1\n      GROUPS_KEYWORDS: ["help", [order, late]]\n      channels_keywords: release\n`);
    expect([p.monitor_private, p.monitor_groups, p.monitor_channels]).toEqual([false, true, true]);
    expect(p.groups_keywords).toEqual([{ kind: "any", phrase: "help" }, { kind: "all", phrases: ["order", "late"] }]);
    expect(p.channels_keywords).toEqual([{ kind: "any", phrase: "release" }]);
    expect(paramLines(`      monitor_groups: sometimes\n`)).toEqual([`bots[0].params.monitor_groups: expected true or false, got "sometimes"`]);
  });

  it("restricted_keywords_frontend: a list of words or one word", () => {
    expect(paramsOf(`      restricted_keywords_frontend: [spam, 2024]\n`).restricted_keywords_frontend).toEqual(["spam", "2024"]);
    expect(paramsOf(`      restricted_keywords_frontend: casino\n`).restricted_keywords_frontend).toEqual(["casino"]);
    expect(paramLines(`      restricted_keywords_frontend: [""]\n`)).toEqual([
      `bots[0].params.restricted_keywords_frontend[0]: expected a word or phrase, got ""`,
    ]);
  });

  it("icon_color: decimal, hex, #hex or a name", () => {
    for (const value of ["7322096", "0x6FB9F0", `"0x6fb9f0"`, `"#6FB9F0"`, "blue", "Blue"]) {
      expect(paramsOf(`      icon_color: ${value}\n`).icon_color).toBe(7322096);
    }
    expect(ICON_COLORS).toEqual({
      blue: 7322096,
      yellow: 16766590,
      violet: 13338331,
      green: 9367192,
      rose: 16749490,
      red: 16478047,
    });
    expect(paramsOf(`      icon_color: red\n`).icon_color).toBe(0xfb6f5f);
  });

  it("icon_color: anything else lists the allowed values", () => {
    const [line] = paramLines(`      icon_color: pink\n`);
    expect(line).toMatch(/^bots\[0\]\.params\.icon_color: expected one of blue \(0x6FB9F0 = 7322096\), yellow/);
    expect(line).toMatch(/red \(0xFB6F5F = 16478047\), got "pink"$/);
    expect(paramLines(`      icon_color: 123\n`)[0]).toMatch(/got 123$/);
    // An unquoted #hex is a YAML comment; say so instead of silently using the default.
    expect(paramLines(`      icon_color: #6FB9F0\n`)[0]).toMatch(/got nothing \(quote hex colours: "#6FB9F0"\)$/);
  });

  it("webhooks: URL → events or /commands", () => {
    const p = paramsOf(`      webhooks:\n        "https://crm.example/hook": [dialog_created, dialog_closed, /order]\n        "http://x.local/": message_sent\n`);
    expect(p.webhooks).toEqual({
      "https://crm.example/hook": ["dialog_created", "dialog_closed", "/order"],
      "http://x.local/": ["message_sent"],
    });
  });

  it("webhooks: rejects bad URLs and events", () => {
    expect(paramLines(`      webhooks:\n        "ftp://x": [dialog_created]\n        "https://y": [dialog_exploded]\n        "https://z": []\n`)).toEqual([
      `bots[0].params.webhooks["ftp://x"]: expected an http(s) URL as the key, got "ftp://x"`,
      `bots[0].params.webhooks["https://y"][0]: expected one of dialog_created, dialog_reopened, dialog_closed, message_received, message_sent, message_intercepted or a /command, got "dialog_exploded"`,
      `bots[0].params.webhooks["https://z"]: expected a list of events, got nothing`,
    ]);
    expect(paramLines(`      webhooks: [a]\n`)).toEqual([`bots[0].params.webhooks: expected a mapping of URL: [events], got a list`]);
  });
});
