/**
 * `switchboard schema`: the printed JSON Schema names every parameter with its doc text, accepts
 * the repository's example configs (as an editor would check them, before `${VAR}`s are
 * resolved) and refuses what the config reader refuses.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { PARAM_NAMES, parseConfig } from "../../src/config/mod.ts";
import { loadPlugins } from "../../src/plugins/load.ts";
import { createLogger } from "../../src/util/log.ts";
import { cliCommand } from "../support/cli.ts";
import { validate } from "../support/json-schema.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const examples = readdirSync(join(root, "examples")).filter((f) => f.endsWith(".yaml")).map((f) => join(root, "examples", f));

let schema: Record<string, any>;

beforeAll(() => {
  const [command, args] = cliCommand(["schema"]);
  const run = spawnSync(command, args, { cwd: root, encoding: "utf8" });
  expect(run.status, run.stderr).toBe(0);
  schema = JSON.parse(run.stdout);
}, 60_000);

/** Problems of a YAML text against the printed schema. */
const check = (yaml: string) => validate(schema, parse(yaml));
/** A one-bot file with the given `params` lines. */
const withParams = (lines: string) => `bots:\n  - id: a\n    token: \${T}\n    group: -1001234567890\n    params:\n${lines}`;

describe("switchboard schema", () => {
  it("prints a draft-07 JSON Schema naming every parameter with its description", () => {
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    const params = schema.properties.bots.items.properties.params;
    expect(Object.keys(params.properties)).toEqual(PARAM_NAMES);
    for (const name of PARAM_NAMES) expect(params.properties[name].description, name).toMatch(/\w{3}/);
    expect(params.properties.autoclose.default).toBe(48);
    expect(params.properties.ignore_chats.default).toEqual([777000]);
  });

  it("documents the core keys and the built-in plugins' options", () => {
    const bot = schema.properties.bots.items;
    expect(bot.required).toEqual(["id", "token", "group"]);
    expect(Object.keys(bot.properties)).toEqual(["id", "token", "api_root", "group", "updates", "webhook", "parallel", "params", "plugins", "limits"]);
    expect(schema.properties.storage.default).toBe("sqlite:./data/switchboard.db");
    const webhooks = bot.properties.plugins.allOf[0].allOf.find((c: any) => c.if.properties.name.const === "webhooks");
    expect(Object.keys(webhooks.then.properties.options.properties)).toEqual(["secret", "timeout_seconds", "retry_hours"]);
  });

  it("takes each parameter from exactly one plugin folder", async () => {
    const owners = new Map<string, string[]>();
    for (const folder of readdirSync(join(root, "plugins"), { withFileTypes: true }).filter((d) => d.isDirectory())) {
      for (const file of ["params.ts", "options.ts"]) {
        const path = join(root, "plugins", folder.name, file);
        if (!existsSync(path)) continue;
        const declared = (await import(pathToFileURL(path).href)).params ?? {};
        for (const name of Object.keys(declared)) owners.set(name, [...(owners.get(name) ?? []), folder.name]);
      }
    }
    expect([...owners.keys()].sort()).toEqual([...PARAM_NAMES].sort());
    for (const [name, folders] of owners) expect(folders, name).toHaveLength(1);
  });

  it("accepts the example configs", () => {
    expect(examples.length).toBeGreaterThan(0);
    for (const file of examples) expect(validate(schema, parse(readFileSync(file, "utf8"))), file).toEqual([]);
  });

  it("agrees with the config reader and the plugins' options on the examples", async () => {
    // Every variable an example uses: tokens get a token's shape, the rest a plain value; a
    // variable with a `:-default` is left unset so that its default is read.
    const env = (text: string) =>
      Object.fromEntries([...text.matchAll(/\$\{(\w+)\}/g)].map(([, name], i) => [name, name.endsWith("_TOKEN") ? `${100000 + i}:ABCDEFGHIJKLMNOPQRSTUVWXYZ` : "secret_1"]));
    for (const file of examples) {
      const text = readFileSync(file, "utf8");
      const config = parseConfig(text, env(text), file);
      expect(config.bots.length, file).toBeGreaterThan(0);
      // Plugin options are checked when plugins load (as `switchboard check` does).
      for (const [i, bot] of config.bots.entries()) {
        await loadPlugins(bot, i, { id: bot.id, username: "", groupId: bot.group, params: bot.params }, createLogger(bot.id, "error"));
      }
    }
  });

  it("accepts Hotline's spellings", () => {
    expect(check(withParams(`      AutoClose: "\${HOURS}"\n      auto_info: "ON"\n      white_list: "1, 2"\n      welcome: off\n      autoclose: 0.5\n      hide_info: name\n`))).toEqual([]);
  });

  it("refuses what the reader refuses", () => {
    expect(check(withParams(`      welcom: hi\n`))).toEqual(["bots[0].params.welcom: not allowed"]);
    expect(check(withParams(`      autoclose: -1\n`))[0]).toMatch(/^bots\[0\]\.params\.autoclose: matches none/);
    expect(check(withParams(`      intercept: maybe\n`))[0]).toMatch(/^bots\[0\]\.params\.intercept: matches none/);
    expect(check(withParams(`      icon_color: pink\n`))[0]).toMatch(/^bots\[0\]\.params\.icon_color: matches none/);
    expect(check(`bots:\n  - id: a\n    tokne: x\n    group: -1001234567890\n`)).toEqual(["bots[0]: missing token", "bots[0].tokne: not allowed"]);
    expect(check(`bots: []\n`)).toEqual(["bots: fewer than 1 items"]);
    const webhooksOptions = (options: string) => check(`bots:\n  - id: a\n    token: \${T}\n    group: -1001234567890\n    plugins: [{ name: webhooks, options: ${options} }]\n`);
    expect(webhooksOptions(`{ timeout_seconds: 10 }`)).toEqual([]);
    expect(webhooksOptions(`{ timeout_seconds: 999 }`)).toEqual(["bots[0].plugins: matches none of 4 alternatives"]);
    expect(webhooksOptions(`{ colour: red }`)).toEqual(["bots[0].plugins: matches none of 4 alternatives"]);
  });

  it("documents and checks the admin and log keys", () => {
    expect(Object.keys(schema.properties.admin.properties)).toEqual(["listen", "token", "ready_outbox_age", "public_url"]);
    expect(schema.properties.admin.properties.listen.default).toBe("127.0.0.1:8089");
    expect(Object.keys(schema.properties.log.properties)).toEqual(["format", "level"]);
    const bot = `bots:\n  - id: a\n    token: \${T}\n    group: -1001234567890\n`;
    expect(check(`${bot}admin: { listen: "127.0.0.1:8089", token: "\${ADMIN_TOKEN}", ready_outbox_age: 120 }\nlog: { format: json, level: debug }\n`)).toEqual([]);
    expect(check(`${bot}admin: { listen: "nowhere", tokn: x }\n`)).toEqual(["admin.listen: matches none of 3 alternatives", "admin.tokn: not allowed"]);
    expect(check(`${bot}log: { format: xml }\n`)).toEqual(["log.format: matches none of 2 alternatives"]);
    expect(check(`${bot}admin: { public_url: "https://switchboard.example.com" }\n`)).toEqual([]);
    expect(check(`${bot}admin: { public_url: "switchboard.example.com" }\n`)).toEqual(["admin.public_url: matches none of 2 alternatives"]);
  });

  it("documents and checks the analytics key", () => {
    expect(Object.keys(schema.properties.analytics.properties)).toEqual(["retention_days"]);
    expect(schema.properties.analytics.properties.retention_days.default).toBe(90);
    const bot = `bots:\n  - id: a\n    token: \${T}\n    group: -1001234567890\n`;
    expect(check(`${bot}analytics: { retention_days: 30 }\n`)).toEqual([]);
    expect(check(`${bot}analytics: { retention_days: 0 }\n`)).toEqual(["analytics.retention_days: matches none of 3 alternatives"]);
  });

  it("documents and checks the tracing key", () => {
    expect(Object.keys(schema.properties.tracing.properties)).toEqual(["otlp_endpoint", "service_name", "sample_ratio"]);
    expect(schema.properties.tracing.required).toEqual(["otlp_endpoint"]);
    expect(schema.properties.tracing.properties.sample_ratio.default).toBe(1);
    const bot = `bots:\n  - id: a\n    token: \${T}\n    group: -1001234567890\n`;
    expect(check(`${bot}tracing: { otlp_endpoint: "http://127.0.0.1:4318/v1/traces", service_name: hotline, sample_ratio: 0.1 }\n`)).toEqual([]);
    expect(check(`${bot}tracing: { otlp_endpoint: "http://127.0.0.1:4318/v1/traces", sample_ratio: 1.5 }\n`)).toEqual(["tracing.sample_ratio: matches none of 3 alternatives"]);
    expect(check(`${bot}tracing: { service_name: hotline }\n`)).toEqual(["tracing: missing otlp_endpoint"]);
  });
});
