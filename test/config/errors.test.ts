import { describe, expect, it } from "vitest";
import { ConfigError, formatConfigError, parseConfig } from "../../src/config/mod.ts";
import { bot, file, lines, problems, TOKEN, TOKEN2 } from "./helpers.ts";

describe("structure", () => {
  it("requires at least one bot", () => {
    for (const text of ["", "# nothing\n", "storage: sqlite:x.db\n", "bots:\n", "bots: []\n"]) {
      expect(lines(text)).toEqual(["bots: at least one bot is required"]);
    }
  });

  it("reports YAML syntax errors once, at config, with line and column", () => {
    const found = problems("bots:\n  - id: a\n    token: [1, 2\n  group: 3\n");
    expect(found).toHaveLength(1);
    expect(found[0].path).toBe("config");
    expect(found[0].message).toMatch(/line \d+, column \d+/);
    expect(problems("bots: 1\nbots: 2\n")[0].message).toMatch(/unique.*line 2, column 1/);
  });

  it("names the key of a value nested too deep, instead of overflowing the stack", () => {
    const deepList = "[".repeat(5000) + "]".repeat(5000);
    expect(lines(file(bot(`    params:\n      welcome: ${deepList}\n`)))).toEqual([`bots[0].params.welcome: nested deeper than 64 levels (at line 6, column 76)`]);
    const deepMap = "{a: ".repeat(5000) + "1" + "}".repeat(5000);
    expect(lines(file(bot(`    plugins:\n      - name: x\n        options: ${deepMap}\n`)))).toEqual([`bots[0].plugins[0].options.a.a.a…: nested deeper than 64 levels (at line 7, column 254)`]);
    const block = Array.from({ length: 3000 }, (_, i) => `${" ".repeat(8 + i)}- `).join("\n");
    expect(lines(file(bot(`    params:\n      welcome:\n${block}x\n`)))).toEqual([`bots[0].params.welcome: nested deeper than 64 levels (at line 67, column 69)`]);
    expect(lines(deepList)).toEqual([`config: nested deeper than 64 levels (at line 1, column 65)`]);
    // Nesting that stays within the cap is read as usual.
    expect(lines(file(bot(`    params:\n      welcome: ${"[".repeat(60)}${"]".repeat(60)}\n`)))).toEqual([`bots[0].params.welcome: expected a greeting text or "off", got a list`]);
  });

  it("rejects a document that is not a mapping", () => {
    expect(lines("- a\n- b\n")).toEqual([`config: expected a mapping with "storage" and "bots", got a list`]);
    expect(lines("bots:\n  id: a\n")).toEqual([`bots: expected a list of bots (each starting with "- id: …"), got a mapping`]);
  });

  it("suggests the nearest key for unknown keys", () => {
    expect(lines(file(bot()) + "storag: x\n")).toEqual([`storag: unknown key (did you mean "storage"?)`]);
    expect(lines(file(bot(`    tokne: x\n`)))).toEqual([`bots[0].tokne: unknown key (did you mean "token"?)`]);
    expect(lines(file(bot(`    apiroot: x\n`)))).toEqual([`bots[0].apiroot: unknown key (did you mean "api_root"?)`]);
    expect(lines(file(bot(`    colour: x\n`)))[0]).toMatch(/^bots\[0\]\.colour: unknown key \(expected one of: id, token, api_root/);
  });

  it("reports every problem, not just the first", () => {
    const text = `storage: mysql://x\nbots:\n  - id: "bad id"\n    token: nope\n    group: abc\n    updates: push\n    params: { autoclose: -1, welcom: hi }\n`;
    expect(lines(text)).toEqual([
      `storage: expected "sqlite:PATH" or "postgres://user:pass@host/db", got "mysql://x"`,
      `bots[0].id: expected 1-64 characters of A-Z, a-z, 0-9, _ and -, got "bad id"`,
      `bots[0].token: expected a bot token like 123456:ABC-DEF..., got a 4-character value`,
      `bots[0].group: expected a chat id like -1001234567890, got "abc"`,
      `bots[0].updates: expected "polling" or "webhook", got "push"`,
      `bots[0].params.welcom: unknown parameter (did you mean "welcome"?)`,
      `bots[0].params.autoclose: expected hours greater than 0 (e.g. 48 or 0.5) or "off", got -1`,
    ]);
  });

  it("formats problems for the CLI and in the error's message", () => {
    try {
      parseConfig(file(bot(`    tokne: x\n`, "a"), `  - id: a\n`), {}, "sb.yaml");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const error = e as ConfigError;
      expect(error._tag).toBe("ConfigError");
      expect(error.message.split("\n")).toEqual([
        `bots[0].tokne: unknown key (did you mean "token"?)`,
        `bots[1].token: required (the bot token from @BotFather)`,
        `bots[1].group: required (the backend forum supergroup's chat id, like -1001234567890)`,
        `bots[1].id: duplicate bot id "a"`,
      ]);
      expect(formatConfigError(error)).toBe(
        [
          "Invalid configuration in sb.yaml (4 problems):",
          `  - bots[0].tokne: unknown key (did you mean "token"?)`,
          `  - bots[1].token: required (the bot token from @BotFather)`,
          `  - bots[1].group: required (the backend forum supergroup's chat id, like -1001234567890)`,
          `  - bots[1].id: duplicate bot id "a"`,
        ].join("\n"),
      );
      expect(formatConfigError(error, "other.yaml").split("\n")[0]).toBe("Invalid configuration in other.yaml (4 problems):");
    }
  });
});

describe("bot keys", () => {
  it("requires id, token and group", () => {
    expect(lines(`bots:\n  - updates: polling\n`)).toEqual([
      `bots[0].id: required (a stable name like "acme", used in storage)`,
      `bots[0].token: required (the bot token from @BotFather)`,
      `bots[0].group: required (the backend forum supergroup's chat id, like -1001234567890)`,
    ]);
  });

  it("checks the id shape", () => {
    expect(lines(file(bot("", "x".repeat(65))))[0]).toMatch(/^bots\[0\]\.id: expected 1-64 characters/);
    expect(parseConfig(file(bot("", "Acme_bot-2")), {}).bots[0].id).toBe("Acme_bot-2");
    expect(parseConfig(file(bot("", "42")), {}).bots[0].id).toBe("42");
  });

  it("checks the token shape without printing the token", () => {
    const secret = "123456:short";
    const [line] = lines(file(bot("", "a", secret)));
    expect(line).toMatch(/^bots\[0\]\.token: expected a bot token like 123456:ABC-DEF\.\.\., got /);
    expect(line).not.toContain(secret);
    const long = "abcdefABCDEF0123456789abcdef";
    expect(lines(file(bot("", "a", long)))[0]).toBe(`bots[0].token: expected a bot token like 123456:ABC-DEF..., got "abcd..." (28 characters)`);
  });

  it("requires a supergroup chat id", () => {
    const groupLine = (value: string) => lines(`bots:\n  - id: a\n    token: "${TOKEN}"\n    group: ${value}\n`);
    expect(groupLine("abc")).toEqual([`bots[0].group: expected a chat id like -1001234567890, got "abc"`]);
    expect(groupLine("-12345")).toEqual([`bots[0].group: expected a chat id like -1001234567890, got -12345`]);
    expect(groupLine("1001234567890")).toEqual([`bots[0].group: expected a chat id like -1001234567890, got 1001234567890`]);
    expect(groupLine("-100123.5")).toEqual([`bots[0].group: expected a chat id like -1001234567890, got -100123.5`]);
  });

  it("requires an http(s) api_root", () => {
    expect(lines(file(bot(`    api_root: ftp://x\n`)))).toEqual([`bots[0].api_root: expected an http(s) URL like "https://api.telegram.org", got "ftp://x"`]);
    expect(lines(file(bot(`    api_root: not a url\n`)))[0]).toMatch(/^bots\[0\]\.api_root: expected an http\(s\) URL/);
  });

  it("finds duplicate ids and tokens", () => {
    expect(lines(file(bot("", "acme"), bot("", "acme", TOKEN2)))).toEqual([`bots[1].id: duplicate bot id "acme"`]);
    expect(lines(file(bot("", "a"), bot("", "b")))).toEqual([`bots[1].token: same token as bots[0] (a bot can run only once per file)`]);
  });

  it("rejects a bot that is not a mapping", () => {
    expect(lines(`bots:\n  - acme\n`)).toEqual([`bots[0]: expected a bot (a mapping with id, token, group …), got "acme"`]);
  });
});

describe("storage", () => {
  it("accepts sqlite and postgres URLs", () => {
    for (const storage of ["sqlite:./x.db", "sqlite::memory:", "postgres://u:p@h/db", "postgresql://h/db"]) {
      expect(parseConfig(`storage: "${storage}"\n` + file(bot()), {}).storage).toBe(storage);
    }
  });

  it("rejects anything else without printing a password", () => {
    expect(lines(`storage: "mysql://root:hunter2@db/x"\n` + file(bot()))).toEqual([
      `storage: expected "sqlite:PATH" or "postgres://user:pass@host/db", got "mysql://root:***@db/x"`,
    ]);
    expect(lines(`storage: "sqlite:"\n` + file(bot()))[0]).toMatch(/^storage: expected "sqlite:PATH"/);
    expect(lines(`storage: 5\n` + file(bot()))[0]).toMatch(/^storage: expected .*, got 5$/);
  });
});

describe("webhook", () => {
  it("requires a URL when updates is webhook", () => {
    expect(lines(file(bot(`    updates: webhook\n`)))).toEqual([`bots[0].webhook.url: required when updates is "webhook"`]);
    expect(lines(file(bot(`    updates: webhook\n    webhook: { listen: "0.0.0.0:8443" }\n`)))).toEqual([
      `bots[0].webhook.url: required when updates is "webhook"`,
    ]);
  });

  it("checks url, listen and secret", () => {
    const text = file(bot(`    updates: webhook\n    webhook:\n      url: ftp://x/hook\n      listen: "0.0.0.0:99999"\n      secret: "not allowed!"\n`));
    expect(lines(text)).toEqual([
      `bots[0].webhook.url: expected an http(s) URL, got "ftp://x/hook"`,
      `bots[0].webhook.listen: expected "host:port" like "0.0.0.0:8443", got "0.0.0.0:99999"`,
      `bots[0].webhook.secret: expected 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule), got a 12-character value`,
    ]);
    expect(lines(file(bot(`    updates: webhook\n    webhook: { url: "https://x/h", secret: "${"a".repeat(257)}" }\n`)))[0])
      .toMatch(/^bots\[0\]\.webhook\.secret: expected 1-256 characters/);
    expect(lines(file(bot(`    updates: webhook\n    webhook: { url: "https://x/h", secrte: abc }\n`)))).toEqual([
      `bots[0].webhook.secrte: unknown key (did you mean "secret"?)`,
    ]);
  });

  it("defaults listen, omits an absent secret, and accepts a bare URL", () => {
    const webhook = parseConfig(file(bot(`    updates: webhook\n    webhook: https://x.example/a/b?q=1\n`)), {}).bots[0].webhook;
    expect(webhook).toEqual({ url: "https://x.example/a/b?q=1", listen: { host: "0.0.0.0", port: 8443 }, path: "/a/b" });
  });

  it("checks only the keys of an unused webhook section", () => {
    expect(lines(file(bot(`    webhook: { ulr: "https://x/h" }\n`)))).toEqual([`bots[0].webhook.ulr: unknown key (did you mean "url"?)`]);
    expect(parseConfig(file(bot(`    webhook: \${HOOK_URL}\n`)), {}).bots[0].webhook).toBeUndefined();
  });
});

describe("parallel", () => {
  const parallel = (yaml: string) => lines(file(bot(`    parallel: ${yaml}\n`)));

  it("requires a known mode", () => {
    expect(parallel(`{ api_id: 1 }`)).toEqual([`bots[0].parallel.mode: required: "mtproto" or "proxy"`]);
    expect(parallel(`{ mode: bridge }`)).toEqual([`bots[0].parallel.mode: expected "mtproto" or "proxy", got "bridge"`]);
  });

  it("checks mtproto's api_id and api_hash", () => {
    expect(parallel(`{ mode: mtproto }`)).toEqual([
      `bots[0].parallel.api_id: required in mtproto mode (the api_id from my.telegram.org)`,
      `bots[0].parallel.api_hash: required in mtproto mode (the api_hash from my.telegram.org)`,
    ]);
    expect(parallel(`{ mode: mtproto, api_id: 0, api_hash: xyz }`)).toEqual([
      `bots[0].parallel.api_id: expected the api_id number from my.telegram.org, got 0`,
      `bots[0].parallel.api_hash: expected the 32-character hex api_hash from my.telegram.org, got a 3-character value`,
    ]);
    expect(parallel(`{ mode: mtproto, api_id: abc, api_hash: xyz }`)).toEqual([
      `bots[0].parallel.api_id: expected the api_id number from my.telegram.org, got "abc"`,
      `bots[0].parallel.api_hash: expected the 32-character hex api_hash from my.telegram.org, got a 3-character value`,
    ]);
    expect(parseConfig(file(bot(`    parallel: { mode: mtproto, api_id: "42", api_hash: ${"ab".repeat(16)} }\n`)), {}).bots[0].parallel)
      .toEqual({ mode: "mtproto", apiId: 42, apiHash: "ab".repeat(16) });
  });

  it("checks proxy's listen and flags the other mode's keys", () => {
    expect(parallel(`{ mode: proxy }`)[0]).toMatch(/^bots\[0\]\.parallel\.listen: required in proxy mode/);
    expect(parallel(`{ mode: proxy, listen: nowhere }`)).toEqual([
      `bots[0].parallel.listen: expected "host:port" like "127.0.0.1:8081", got "nowhere"`,
    ]);
    expect(parallel(`{ mode: proxy, listen: ":8081", api_id: 1 }`)).toEqual([`bots[0].parallel.api_id: not used in proxy mode`]);
    expect(parallel(`{ mode: proxy, listen: ":8081", webhook_retry_hours: 0, webhook_max_attempts: 0 }`)).toEqual([
      `bots[0].parallel.webhook_retry_hours: expected hours greater than 0 (e.g. 24 or 0.5), got 0`,
      `bots[0].parallel.webhook_max_attempts: expected a number of attempts (1 or more) or "off", got 0`,
    ]);
    expect(parallel(`{ mode: mtproto, api_id: 1, api_hash: ${"ab".repeat(16)}, webhook_retry_hours: 1 }`)).toEqual([`bots[0].parallel.webhook_retry_hours: not used in mtproto mode`]);
  });
});

describe("plugins", () => {
  it("normalises strings and objects, resolving relative paths against the file", () => {
    const config = parseConfig(
      file(bot(`    plugins:\n      - "@acme/switchboard-crm"\n      - ./local.ts\n      - ../shared/p.ts\n      - /abs/p.ts\n      - { name: labels, options: { max: 3 } }\n      - { path: plugins/x.ts }\n`)),
      {},
      "/etc/sb/switchboard.yaml",
    );
    expect(config.bots[0].plugins).toEqual([
      { spec: "@acme/switchboard-crm", options: {} },
      { spec: "/etc/sb/local.ts", options: {} },
      { spec: "/etc/shared/p.ts", options: {} },
      { spec: "/abs/p.ts", options: {} },
      { spec: "labels", options: { max: 3 } },
      { spec: "/etc/sb/plugins/x.ts", options: {} },
    ]);
  });

  it("reports bad entries", () => {
    expect(lines(file(bot(`    plugins:\n      - 5\n      - { name: a, path: b }\n      - { options: {} }\n      - { name: a, options: [1] }\n      - { nmae: a }\n`)))).toEqual([
      `bots[0].plugins[0]: expected a package name, a "./path", or { name | path, options }, got 5`,
      `bots[0].plugins[1]: expected either "name" or "path", not both`,
      `bots[0].plugins[2]: expected a "name" (package) or a "path" (file)`,
      `bots[0].plugins[3].options: expected a mapping (key: value), got a list`,
      `bots[0].plugins[4].nmae: unknown key (did you mean "name"?)`,
      `bots[0].plugins[4]: expected a "name" (package) or a "path" (file)`,
    ]);
  });
});
