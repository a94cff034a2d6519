/** Shared helpers for the config tests: parse and return either the config or its problems. */
import { ConfigError, type ConfigProblem, parseConfig } from "../../src/config/mod.ts";

/** A syntactically valid token for tests. */
export const TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abc-1";
/** A second, different token. */
export const TOKEN2 = "654321:ZYXWVUTSRQPONMLKJIHGFEDCBA_xyz-2";

/** A minimal valid bot block (YAML, indented as a list item under `bots:`) with extra lines appended. */
export function bot(extra = "", id = "acme", token = TOKEN): string {
  return `  - id: ${id}\n    token: "${token}"\n    group: -1001234567890\n${extra}`;
}

/** A whole file with the given bot blocks. */
export function file(...bots: string[]): string {
  return `bots:\n${bots.join("")}`;
}

/** The problems a text produces; fails the test if it parses. */
export function problems(text: string, env: Record<string, string | undefined> = {}): ConfigProblem[] {
  try {
    parseConfig(text, env);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  throw new Error("expected a ConfigError, but the config parsed");
}

/** `path: message` lines, for compact assertions. */
export function lines(text: string, env: Record<string, string | undefined> = {}): string[] {
  return problems(text, env).map((p) => `${p.path}: ${p.message}`);
}

/** The first bot's params from a file with the given params block (YAML lines under `params:`). */
export function paramsOf(paramsYaml: string, env: Record<string, string | undefined> = {}) {
  return parseConfig(file(bot(`    params:\n${paramsYaml}`)), env).bots[0].params;
}
