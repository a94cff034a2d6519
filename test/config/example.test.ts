import { describe, expect, it } from "vitest";
import { DEFAULT_WELCOME, parseConfig } from "../../src/config/mod.ts";
import { bot, file, TOKEN } from "./helpers.ts";

/** The deployment contract's example, verbatim (including its unquoted `${…}` in flow mappings). */
const EXAMPLE = `storage: "sqlite:./data/switchboard.db"     # or postgres://user:pass@host/db
bots:
  - id: acme                                # stable id, used in storage
    token: \${ACME_BOT_TOKEN}
    api_root: https://api.telegram.org      # another Bot API server (local telegram-bot-api, tests)
    group: -1001234567890                   # the backend forum supergroup
    updates: polling                        # polling | webhook
    webhook: { url: "https://…/hook", listen: "0.0.0.0:8443", secret: \${HOOK_SECRET} }
    parallel: { mode: mtproto, api_id: 123, api_hash: \${API_HASH} }   # or { mode: proxy, listen: … }
    params: { welcome: "Hello {title}!", private_keywords: ["operator"], hide_info: [name] }
    plugins: ["./plugins/my-plugin.ts"]
`;

const ENV = {
  ACME_BOT_TOKEN: TOKEN,
  HOOK_SECRET: "hook_secret-1",
  API_HASH: "0123456789abcdef0123456789ABCDEF",
};

describe("the contract's example", () => {
  it("parses with its environment", () => {
    const config = parseConfig(EXAMPLE, ENV, "/srv/switchboard/switchboard.yaml");
    expect(config.storage).toBe("sqlite:./data/switchboard.db");
    expect(config.bots).toHaveLength(1);
    const acme = config.bots[0];
    expect(acme).toMatchObject({
      id: "acme",
      token: TOKEN,
      apiRoot: "https://api.telegram.org",
      group: -1001234567890,
      updates: "polling",
      parallel: { mode: "mtproto", apiId: 123, apiHash: ENV.API_HASH },
      plugins: [{ spec: "/srv/switchboard/plugins/my-plugin.ts", options: {} }],
    });
    // With polling the webhook section is unused, so its placeholder URL is not an error.
    expect(acme.webhook).toBeUndefined();
    expect(acme.params.welcome).toBe("Hello {title}!");
    expect(acme.params.private_keywords).toEqual([{ kind: "any", phrase: "operator" }]);
    expect(acme.params.hide_info).toEqual(["name"]);
  });

  it("parses with only the variables it actually uses", () => {
    const { HOOK_SECRET: _, ...env } = ENV;
    expect(parseConfig(EXAMPLE, env).bots[0].id).toBe("acme");
  });

  it("names each missing variable at its key", () => {
    expect(() => parseConfig(EXAMPLE, {})).toThrow(/bots\[0\]\.token: environment variable ACME_BOT_TOKEN is not set/);
    expect(() => parseConfig(EXAMPLE, {})).toThrow(/bots\[0\]\.parallel\.api_hash: environment variable API_HASH is not set/);
  });

  it("parses the webhook section when updates is webhook", () => {
    const text = EXAMPLE.replace("updates: polling", "updates: webhook").replace("https://…/hook", "https://bot.example.com/tg/hook");
    const webhook = parseConfig(text, ENV).bots[0].webhook;
    expect(webhook).toEqual({
      url: "https://bot.example.com/tg/hook",
      listen: { host: "0.0.0.0", port: 8443 },
      secret: "hook_secret-1",
      path: "/tg/hook",
    });
  });
});

describe("defaults", () => {
  it("fills every default for a minimal bot", () => {
    const config = parseConfig(file(bot()), {});
    expect(config.storage).toBe("sqlite:./data/switchboard.db");
    expect(config.bots[0]).toEqual({
      id: "acme",
      token: TOKEN,
      apiRoot: "https://api.telegram.org",
      group: -1001234567890,
      updates: "polling",
      params: {
        welcome: DEFAULT_WELCOME,
        autoclose: 48,
        auto_info: false,
        extensions_allowed: [],
        silent_mode: false,
        ignore_chats: [777000],
        white_list: [],
        hide_info: [],
        reply_only: false,
        private_keywords: [],
        groups_keywords: [],
        channels_keywords: [],
        leave_closed: false,
        monitor_private: true,
        monitor_groups: false,
        monitor_channels: false,
        restricted_keywords_frontend: [],
        intercept: true,
        icon_color: null,
        webhooks: {},
        custom_commands: true,
      },
      plugins: [],
      limits: { globalPerSecond: 30, groupPerMinute: 20, privatePerSecond: 1 },
    });
    expect(DEFAULT_WELCOME).toContain("{title}");
  });

  it("accepts postgres storage and several bots", () => {
    const config = parseConfig(
      `storage: postgres://sb:pw@db.internal/switchboard\n` + file(bot("", "a"), bot("", "b", "42:" + "x".repeat(30))),
      {},
    );
    expect(config.storage).toBe("postgres://sb:pw@db.internal/switchboard");
    expect(config.bots.map((b) => b.id)).toEqual(["a", "b"]);
  });

  it("accepts numeric strings for the group and strips api_root's trailing slash", () => {
    const config = parseConfig(
      `bots:\n  - id: x\n    token: "${TOKEN}"\n    group: "-1009876543210"\n    api_root: http://localhost:8081/\n`,
      {},
    );
    expect(config.bots[0].group).toBe(-1009876543210);
    expect(config.bots[0].apiRoot).toBe("http://localhost:8081");
  });

  it("reads a proxy parallel section and listen forms", () => {
    const parallel = (listen: string) =>
      parseConfig(file(bot(`    parallel: { mode: proxy, listen: ${listen} }\n`)), {}).bots[0].parallel;
    expect(parallel(`"127.0.0.1:8081"`)).toEqual({ mode: "proxy", listen: { host: "127.0.0.1", port: 8081 } });
    expect(parallel(`"[::1]:8081"`)).toEqual({ mode: "proxy", listen: { host: "::1", port: 8081 } });
    expect(parallel(`8081`)).toEqual({ mode: "proxy", listen: { host: "0.0.0.0", port: 8081 } });
    expect(parallel(`":8081"`)).toEqual({ mode: "proxy", listen: { host: "0.0.0.0", port: 8081 } });
    expect(parallel(`":8081", webhook_retry_hours: 0.5, webhook_max_attempts: "12"`)).toEqual({
      mode: "proxy", listen: { host: "0.0.0.0", port: 8081 }, webhookRetryHours: 0.5, webhookMaxAttempts: 12,
    });
    expect(parallel(`":8081", webhook_retry_hours: "48", webhook_max_attempts: off`)).toEqual({ mode: "proxy", listen: { host: "0.0.0.0", port: 8081 }, webhookRetryHours: 48 });
  });
});
