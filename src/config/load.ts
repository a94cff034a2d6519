/** Reading a config file from disk, plainly and as an Effect. */
import * as fs from "node:fs";
import process from "node:process";
import * as Effect from "effect/Effect";
import { ConfigError } from "./error.ts";
import type { Env } from "./interpolate.ts";
import { parseConfig } from "./parse.ts";
import type { Config } from "./types.ts";

/** Why a file could not be read, in words rather than errno codes. */
function readFailure(error: unknown, file: string): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOENT") return `cannot read ${file}: file not found`;
  if (code === "EISDIR") return `cannot read ${file}: it is a directory`;
  if (code === "EACCES" || code === "EPERM") return `cannot read ${file}: permission denied`;
  return `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * Reads and checks the YAML file at `file`, interpolating `${NAME}` from `env` (default: the
 * process environment). Throws {@link ConfigError}; an unreadable file is a problem at `config`.
 */
export function loadConfigFile(file: string, env: Env = process.env): Config {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError({ problems: [{ path: "config", message: readFailure(error, file) }], source: file });
  }
  return parseConfig(text, env, file);
}

/** {@link loadConfigFile} as an Effect: fails with {@link ConfigError}; anything else is a defect. */
export function loadConfig(file: string, env?: Env): Effect.Effect<Config, ConfigError> {
  return Effect.suspend(() => {
    try {
      return Effect.succeed(loadConfigFile(file, env));
    } catch (error) {
      return error instanceof ConfigError ? Effect.fail(error) : Effect.die(error);
    }
  });
}
