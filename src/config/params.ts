/**
 * Hotline's parameters. Keys are matched case-insensitively because Hotline users paste them as
 * `WELCOME` or `Private_Keywords`; every value is defaulted, so consumers never handle absence.
 * An empty value (`welcome:` with nothing after it) means the default.
 */
import { DEFAULT_AUTOCLOSE_HOURS, DEFAULT_IGNORE_CHATS, DEFAULT_WELCOME } from "./defaults.ts";
import { readIconColor } from "./icon-color.ts";
import { readKeywordRules, readPhrase } from "./keyword-rules.ts";
import { silenceUnresolved } from "./interpolate.ts";
import { childPath, Problems } from "./problems.ts";
import { asList, describe, isUnresolved, readBoolean, readInteger, readMapping, readNumber } from "./read.ts";
import { suggest } from "./suggest.ts";
import type { HiddenInfo, Params } from "./types.ts";
import { readWebhooks } from "./webhooks-param.ts";

type Reader<T> = (value: unknown, path: string, problems: Problems) => T | undefined;

/** Wraps a reader so that an absent or empty value yields the default. */
function orDefault<T>(fallback: () => T, read: Reader<T>): Reader<T> {
  return (value, path, problems) => (value === null || value === undefined ? fallback() : read(value, path, problems));
}

const isOff = (value: unknown) => value === false || (typeof value === "string" && value.trim().toLowerCase() === "off");

const readWelcome: Reader<string | null> = (value, path, problems) => {
  if (isUnresolved(value, path, problems)) return undefined;
  if (isOff(value)) return null;
  if (typeof value === "string" && value.trim() !== "") return value;
  problems.add(path, `expected a greeting text or "off", got ${describe(value)}`);
  return undefined;
};

/** `off`, `false` and `0` disable autoclose, which is represented as `Infinity` hours. */
const readAutoclose: Reader<number> = (value, path, problems) => {
  if (isUnresolved(value, path, problems)) return undefined;
  if (isOff(value)) return Infinity;
  const hours = readNumber(value, path, problems, `hours (e.g. 48 or 0.5) or "off"`);
  if (hours === undefined) return undefined;
  if (hours === 0) return Infinity;
  if (hours > 0) return hours;
  problems.add(path, `expected hours greater than 0 (e.g. 48 or 0.5) or "off", got ${describe(value)}`);
  return undefined;
};

/** Ids as a list, a single id, or a comma-separated string (as pasted from Hotline); duplicates collapse. */
const readIds: Reader<number[]> = (value, path, problems) => {
  const items = typeof value === "string" && value.includes(",") ? value.split(",") : asList(value);
  const ids: number[] = [];
  let ok = true;
  items.forEach((item, i) => {
    const id = readInteger(item, Array.isArray(value) ? childPath(path, i) : path, problems, "a user or chat id (a number)");
    if (id === undefined) ok = false;
    else if (!ids.includes(id)) ids.push(id);
  });
  return ok ? ids : undefined;
};

/** Words as a list or a single word. */
const readWords: Reader<string[]> = (value, path, problems) => {
  const out: string[] = [];
  let ok = true;
  asList(value).forEach((item, i) => {
    const word = readPhrase(item, Array.isArray(value) ? childPath(path, i) : path, problems);
    if (word === undefined) ok = false;
    else out.push(word);
  });
  return ok ? out : undefined;
};

const HIDDEN: readonly HiddenInfo[] = ["name", "title", "link", "command"];

/** A list of what to hide, or one word, or comma-separated words. */
const readHideInfo: Reader<HiddenInfo[]> = (value, path, problems) => {
  const items = typeof value === "string" ? value.split(/[\s,]+/).filter((w) => w !== "") : asList(value);
  const out: HiddenInfo[] = [];
  let ok = true;
  items.forEach((item, i) => {
    const itemPath = Array.isArray(value) ? childPath(path, i) : path;
    if (isUnresolved(item, itemPath, problems)) ok = false;
    else if (typeof item === "string" && HIDDEN.includes(item.trim().toLowerCase() as HiddenInfo)) {
      const word = item.trim().toLowerCase() as HiddenInfo;
      if (!out.includes(word)) out.push(word);
    } else {
      problems.add(itemPath, `expected any of ${HIDDEN.join(", ")}, got ${describe(item)}`);
      ok = false;
    }
  });
  return ok ? out : undefined;
};

/** Every parameter with its reader and default, in the order of Hotline's documentation. */
const READERS: { [K in keyof Params]: Reader<Params[K]> } = {
  welcome: orDefault(() => DEFAULT_WELCOME, readWelcome),
  autoclose: orDefault(() => DEFAULT_AUTOCLOSE_HOURS, readAutoclose),
  auto_info: orDefault(() => false, readBoolean),
  extensions_allowed: orDefault(() => [], readIds),
  silent_mode: orDefault(() => false, readBoolean),
  ignore_chats: orDefault(() => [...DEFAULT_IGNORE_CHATS], readIds),
  white_list: orDefault(() => [], readIds),
  hide_info: orDefault(() => [], readHideInfo),
  reply_only: orDefault(() => false, readBoolean),
  private_keywords: readKeywordRules,
  leave_closed: orDefault(() => false, readBoolean),
  restricted_keywords_frontend: orDefault(() => [], readWords),
  intercept: orDefault(() => true, readBoolean),
  icon_color: (value, path, problems) => (value === undefined ? null : readIconColor(value, path, problems)),
  webhooks: readWebhooks,
};

/** The parameter names, lowercase, as written in YAML. */
export const PARAM_NAMES = Object.keys(READERS) as Array<keyof Params>;

/** Every parameter at its default. */
export function defaultParams(): Params {
  return readParams(undefined, "params", new Problems()) as Params;
}

/** Reads the `params` mapping (absent = all defaults); `undefined` when something was reported. */
export function readParams(value: unknown, path: string, problems: Problems): Params | undefined {
  const mapping = value === null || value === undefined ? {} : readMapping(value, path, problems);
  if (mapping === undefined) return undefined;
  const given = new Map<keyof Params, { key: string; value: unknown }>();
  for (const [key, raw] of Object.entries(mapping)) {
    const name = PARAM_NAMES.find((n) => n === key.toLowerCase());
    if (name === undefined) {
      silenceUnresolved(raw);
      const guess = suggest(key, PARAM_NAMES);
      problems.add(childPath(path, key), guess === undefined
        ? `unknown parameter (expected one of: ${PARAM_NAMES.join(", ")})`
        : `unknown parameter (did you mean "${guess}"?)`);
      continue;
    }
    const earlier = given.get(name);
    if (earlier !== undefined) {
      problems.add(childPath(path, key), `duplicate parameter (also given as "${earlier.key}")`);
      continue;
    }
    given.set(name, { key, value: raw });
  }
  const before = problems.list.length;
  const params: Record<string, unknown> = {};
  for (const name of PARAM_NAMES) {
    params[name] = (READERS[name] as Reader<unknown>)(given.get(name)?.value, childPath(path, name), problems);
  }
  return problems.list.length === before ? (params as unknown as Params) : undefined;
}
