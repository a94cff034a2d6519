import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Effect, Either } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, formatConfigError, loadConfig, loadConfigFile, parseConfig } from "../../src/config/mod.ts";
import { bot, file, lines } from "./helpers.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchboard-config-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes a file in the temp folder and returns its path. */
function write(name: string, text: string): string {
  const target = path.join(dir, name);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, text);
  return target;
}

/** The ConfigError a call throws. */
function thrown(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfigFile", () => {
  it("loads a file and resolves plugin paths against its folder", () => {
    const target = write("deploy/switchboard.yaml", file(bot(`    plugins: ["./plugins/p.ts", "pkg"]\n`)));
    const config = loadConfigFile(target, {});
    expect(config.bots[0].plugins).toEqual([
      { spec: path.join(dir, "deploy", "plugins", "p.ts"), options: {} },
      { spec: "pkg", options: {} },
    ]);
  });

  it("reads the environment passed in", () => {
    const target = write("env.yaml", file(bot(`    params: { welcome: "\${GREETING}" }\n`)));
    expect(loadConfigFile(target, { GREETING: "Yo {title}" }).bots[0].params.welcome).toBe("Yo {title}");
  });

  it("defaults to the process environment", () => {
    const name = "SWITCHBOARD_CONFIG_TEST_GREETING";
    process.env[name] = "From env {title}";
    try {
      const target = write("penv.yaml", file(bot(`    params: { welcome: "\${${name}}" }\n`)));
      expect(loadConfigFile(target).bots[0].params.welcome).toBe("From env {title}");
    } finally {
      delete process.env[name];
    }
  });

  it("reports a missing file at config", () => {
    const missing = path.join(dir, "nope.yaml");
    const error = thrown(() => loadConfigFile(missing, {}));
    expect(error.problems).toEqual([{ path: "config", message: `cannot read ${missing}: file not found` }]);
    expect(formatConfigError(error)).toBe(`Invalid configuration in ${missing} (1 problem):\n  - config: cannot read ${missing}: file not found`);
  });

  it("reports a directory at config", () => {
    const error = thrown(() => loadConfigFile(dir, {}));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0].path).toBe("config");
    expect(error.problems[0].message).toMatch(/^cannot read /);
  });

  it("names the file in the error", () => {
    const target = write("bad.yaml", "bots: []\n");
    const error = thrown(() => loadConfigFile(target, {}));
    expect(error.source).toBe(target);
    expect(formatConfigError(error)).toBe(`Invalid configuration in ${target} (1 problem):\n  - bots: at least one bot is required`);
  });
});

describe("loadConfig (Effect)", () => {
  it("succeeds with the config", async () => {
    const target = write("ok.yaml", file(bot()));
    const config = await Effect.runPromise(loadConfig(target, {}));
    expect(config.bots[0].id).toBe("acme");
  });

  it("fails with a ConfigError that can be caught by tag", async () => {
    const result = await Effect.runPromise(Effect.either(loadConfig(path.join(dir, "missing.yaml"), {})));
    expect(Either.isLeft(result)).toBe(true);
    const caught = await Effect.runPromise(
      loadConfig(write("bad2.yaml", "bots:\n"), {}).pipe(Effect.catchTag("ConfigError", (e) => Effect.succeed(e.problems))),
    );
    expect(caught).toEqual([{ path: "bots", message: "at least one bot is required" }]);
  });
});

describe("analytics", () => {
  it("reads retention_days, defaults to 90 days, and refuses what is not a whole number of days", () => {
    expect(parseConfig(`${file(bot())}analytics: { retention_days: 30 }\n`, {}).analytics).toEqual({ retentionDays: 30 });
    expect(parseConfig(`${file(bot())}analytics: {}\n`, {}).analytics).toEqual({ retentionDays: 90 });
    expect(parseConfig(file(bot()), {}).analytics).toBeUndefined();
    expect(lines(`${file(bot())}analytics: { retention_days: 1.5 }\n`)).toEqual(["analytics.retention_days: expected a whole number of days, at least 1, got 1.5"]);
    expect(lines(`${file(bot())}analytics: { retention: 3 }\n`)).toEqual(["analytics.retention: unknown key (expected one of: retention_days)"]);
  });
});
