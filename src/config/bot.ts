/** One entry of `bots`: identity, connection to Telegram, backend group, and its sections. */
import { DEFAULT_API_ROOT } from "./defaults.ts";
import { BOT_ID as ID, BOT_KEYS, BOT_TOKEN as TOKEN, MAX_SUPERGROUP_ID } from "./document.ts";
import { readParallel } from "./parallel.ts";
import { readLimits } from "./limits.ts";
import { readParams } from "./params.ts";
import { readPlugins } from "./plugins.ts";
import { childPath, type Problems } from "./problems.ts";
import { checkKeys, describe, describeSecret, isUnresolved, readHttpUrl, readMapping } from "./read.ts";
import type { BotConfig } from "./types.ts";
import { readWebhook } from "./webhook.ts";

/** Reports a required key that is absent or empty and says whether it was. */
function missing(value: unknown, path: string, problems: Problems, what: string): boolean {
  if (value !== null && value !== undefined) return false;
  problems.add(path, `required (${what})`);
  return true;
}

function readId(value: unknown, path: string, problems: Problems): string | undefined {
  if (missing(value, path, problems, `a stable name like "acme", used in storage`)) return undefined;
  if (isUnresolved(value, path, problems)) return undefined;
  // `id: 42` is a YAML number; as an id it is just the text "42".
  const id = typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? String(value) : value;
  if (typeof id === "string" && ID.test(id)) return id;
  problems.add(path, `expected 1-64 characters of A-Z, a-z, 0-9, _ and -, got ${describe(value)}`);
  return undefined;
}

function readToken(value: unknown, path: string, problems: Problems): string | undefined {
  if (missing(value, path, problems, "the bot token from @BotFather")) return undefined;
  if (isUnresolved(value, path, problems)) return undefined;
  if (typeof value === "string" && TOKEN.test(value.trim())) return value.trim();
  problems.add(path, `expected a bot token like 123456:ABC-DEF..., got ${describeSecret(value)}`);
  return undefined;
}

function readGroup(value: unknown, path: string, problems: Problems): number | undefined {
  if (missing(value, path, problems, "the backend forum supergroup's chat id, like -1001234567890")) return undefined;
  if (isUnresolved(value, path, problems)) return undefined;
  const n = typeof value === "string" && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n === "number" && Number.isSafeInteger(n) && n <= MAX_SUPERGROUP_ID) return n;
  problems.add(path, `expected a chat id like -1001234567890, got ${describe(value)}`);
  return undefined;
}

function readUpdates(value: unknown, path: string, problems: Problems): BotConfig["updates"] | undefined {
  if (value === null || value === undefined) return "polling";
  if (isUnresolved(value, path, problems)) return undefined;
  const word = typeof value === "string" ? value.trim().toLowerCase() : undefined;
  if (word === "polling" || word === "webhook") return word;
  problems.add(path, `expected "polling" or "webhook", got ${describe(value)}`);
  return undefined;
}

function readApiRoot(value: unknown, path: string, problems: Problems): string | undefined {
  if (value === null || value === undefined) return DEFAULT_API_ROOT;
  const url = readHttpUrl(value, path, problems, `an http(s) URL like "${DEFAULT_API_ROOT}"`);
  return url === undefined ? undefined : url.href.replace(/\/+$/, "");
}

/**
 * Reads one bot; `undefined` when anything in it was reported. `baseDir` is the config file's
 * folder, for plugin paths.
 */
export function readBot(value: unknown, path: string, problems: Problems, baseDir: string): BotConfig | undefined {
  const bot = readMapping(value, path, problems, `a bot (a mapping with id, token, group …)`);
  if (bot === undefined) return undefined;
  const before = problems.list.length;
  checkKeys(bot, BOT_KEYS, path, problems);
  const at = (key: string) => childPath(path, key);
  const id = readId(bot.id, at("id"), problems);
  const token = readToken(bot.token, at("token"), problems);
  const apiRoot = readApiRoot(bot.api_root, at("api_root"), problems);
  const group = readGroup(bot.group, at("group"), problems);
  const updates = readUpdates(bot.updates, at("updates"), problems);
  const webhook = readWebhook(bot.webhook, at("webhook"), problems, updates === "webhook");
  const parallel = readParallel(bot.parallel, at("parallel"), problems);
  const params = readParams(bot.params, at("params"), problems);
  const plugins = readPlugins(bot.plugins, at("plugins"), problems, baseDir);
  const limits = readLimits(bot.limits, at("limits"), problems);
  if (problems.list.length > before) return undefined;
  return {
    id: id!,
    token: token!,
    apiRoot: apiRoot!,
    group: group!,
    updates: updates!,
    ...(webhook === undefined ? {} : { webhook }),
    ...(parallel === undefined ? {} : { parallel }),
    params: params!,
    plugins: plugins!,
    limits: limits!,
  };
}
