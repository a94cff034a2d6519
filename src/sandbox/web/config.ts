/**
 * The sandbox's configuration: the YAML shown (and edited) in the page, the environment its
 * `${…}` placeholders are read from, and validation that returns problems as lines.
 */
import { type Config, ConfigError, parseConfig } from "../../config/mod.ts";
import type { Env } from "../../config/mod.ts";

/** What the YAML needs to know about the emulated world. */
export interface WorldRefs {
  token: string;
  apiRoot: string;
  groupId: number;
  /** SQLite file of the sandbox's store. */
  storagePath: string;
  /** A free loopback port for the admin listener (the analytics page). */
  adminPort: number;
}

/** The YAML the sandbox starts with; a real config file, with the emulator as Telegram. */
export function defaultYaml(refs: WorldRefs): string {
  return `# The configuration the sandbox runs. Edit it and press Apply: the bot restarts with it
# (the store is kept). \${SANDBOX_TOKEN} and \${SANDBOX_API_ROOT} point at the emulator.
storage: "sqlite:${refs.storagePath}"
bots:
  - id: sandbox
    token: \${SANDBOX_TOKEN}
    api_root: \${SANDBOX_API_ROOT}
    group: ${refs.groupId}
    # The emulator enforces no flood limits; "telegram" paces sends like Telegram would.
    limits: off
    params:
      welcome: "Hello {title}! An operator will answer here."
      icon_color: violet
# The admin listener: the analytics page (/analytics), /metrics, /healthz, /readyz. On loopback
# it needs no token; anywhere else set token: \${ADMIN_TOKEN}.
admin: { listen: "127.0.0.1:${refs.adminPort}" }
`;
}

/** The environment the YAML is interpolated from: the real one plus the emulator's references. */
export function sandboxEnv(refs: WorldRefs): Env {
  return { ...process.env, SANDBOX_TOKEN: refs.token, SANDBOX_API_ROOT: refs.apiRoot };
}

/** Parses the YAML; problems come back as `path: message` lines instead of an exception. */
export function validateYaml(yaml: string, env: Env): { config: Config } | { problems: string[] } {
  try {
    return { config: parseConfig(yaml, env) };
  } catch (error) {
    if (error instanceof ConfigError) return { problems: error.problems.map((p) => `${p.path}: ${p.message}`) };
    return { problems: [error instanceof Error ? error.message : String(error)] };
  }
}
