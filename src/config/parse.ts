/**
 * From YAML text to a checked {@link Config}: syntax, then `${ENV}` interpolation on the parsed
 * values, then every section, then cross-bot rules. All problems are gathered before throwing.
 */
import * as nodePath from "node:path";
import { parseDocument, type YAMLError } from "yaml";
import { readAdmin } from "./admin.ts";
import { readBot } from "./bot.ts";
import { tooDeep } from "./depth.ts";
import { TOP_KEYS } from "./document.ts";
import { ConfigError } from "./error.ts";
import { type Env, interpolateTree, reportUnresolved } from "./interpolate.ts";
import { childPath, Problems } from "./problems.ts";
import { protectReferences, restoreReferences } from "./protect-references.ts";
import { readLog } from "./log.ts";
import { readAnalytics } from "./analytics.ts";
import { readTracing } from "./tracing.ts";
import { checkKeys, describe, isMapping, isUnresolved } from "./read.ts";
import { readStorage } from "./storage.ts";
import type { BotConfig, Config } from "./types.ts";

/** The first line of a `yaml` error, which already ends with "at line L, column C". */
function syntaxMessage(error: YAMLError): string {
  const first = restoreReferences(error.message).split("\n")[0].replace(/:\s*$/, "");
  const pos = error.linePos?.[0];
  return pos === undefined || first.includes(" at line ") ? first : `${first} at line ${pos.line}, column ${pos.col}`;
}

/**
 * The YAML tree, or a single problem: at "config" for a file that is not valid YAML, at the key
 * of a value nested too deep.
 */
function parseYaml(text: string, source: string | undefined): unknown {
  const protectedText = protectReferences(text);
  // Checked first: composing a value nested thousands deep would overflow the stack.
  const deep = tooDeep(protectedText);
  if (deep !== undefined) throw new ConfigError({ problems: [deep], source });
  const doc = parseDocument(protectedText, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError({ problems: [{ path: "config", message: syntaxMessage(doc.errors[0]) }], source });
  }
  try {
    // The alias limit guards against "billion laughs" files.
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigError({ problems: [{ path: "config", message: e instanceof Error ? e.message : String(e) }], source });
  }
}

/** The bots list; ids and tokens must be unique because storage and polling are keyed by them. */
function readBots(value: unknown, problems: Problems, baseDir: string): BotConfig[] {
  if (isUnresolved(value, "bots", problems)) return [];
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) {
    problems.add("bots", "at least one bot is required");
    return [];
  }
  if (!Array.isArray(value)) {
    problems.add("bots", `expected a list of bots (each starting with "- id: …"), got ${describe(value)}`);
    return [];
  }
  const bots: BotConfig[] = [];
  const ids = new Map<string, number>();
  const tokens = new Map<string, number>();
  value.forEach((raw, i) => {
    const path = childPath("bots", i);
    const bot = readBot(raw, path, problems, baseDir);
    // Duplicates are checked on the raw values too, so they are found even if the bot has other problems.
    const id = isMapping(raw) && (typeof raw.id === "string" || typeof raw.id === "number") ? String(raw.id) : undefined;
    if (id !== undefined) {
      if (ids.has(id)) problems.add(childPath(path, "id"), `duplicate bot id "${id}"`);
      else ids.set(id, i);
    }
    const token = isMapping(raw) && typeof raw.token === "string" ? raw.token.trim() : undefined;
    if (token !== undefined && token !== "") {
      const first = tokens.get(token);
      if (first !== undefined) {
        problems.add(childPath(path, "token"), `same token as bots[${first}] (a bot can run only once per file)`);
      } else tokens.set(token, i);
    }
    if (bot !== undefined) bots.push(bot);
  });
  return bots;
}

/**
 * Parses and checks a configuration. `env` feeds `${NAME}` references; `source` is the file the
 * text came from (relative plugin paths are resolved against its folder, else the working
 * directory). Throws {@link ConfigError} listing every problem.
 */
export function parseConfig(text: string, env: Env, source?: string): Config {
  const baseDir = source === undefined ? nodePath.resolve(".") : nodePath.dirname(nodePath.resolve(source));
  const problems = new Problems();
  const root = interpolateTree(parseYaml(text, source), "", env, problems);
  let config: Config | undefined;
  if (root === null || root === undefined) {
    problems.add("bots", "at least one bot is required");
  } else if (isUnresolved(root, "config", problems)) {
    // Reported; nothing else to read.
  } else if (!isMapping(root)) {
    problems.add("config", `expected a mapping with "storage" and "bots", got ${describe(root)}`);
  } else {
    checkKeys(root, TOP_KEYS, "", problems);
    const storage = readStorage(root.storage, "storage", problems);
    const bots = readBots(root.bots, problems, baseDir);
    const admin = readAdmin(root.admin, "admin", problems);
    const log = readLog(root.log, "log", problems);
    const analytics = readAnalytics(root.analytics, "analytics", problems);
    const tracing = readTracing(root.tracing, "tracing", problems);
    if (storage !== undefined) config = { storage, bots, ...(admin ? { admin } : {}), ...(log ? { log } : {}), ...(analytics ? { analytics } : {}), ...(tracing ? { tracing } : {}) };
  }
  reportUnresolved(root, "", problems);
  if (problems.list.length > 0 || config === undefined) {
    throw new ConfigError({ problems: problems.list, source });
  }
  return config;
}
