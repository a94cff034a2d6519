/** The `log` key: the format of log lines (text or JSON) and the lowest level written. */
import { LOG_KEYS as KEYS } from "./document.ts";
import { childPath, type Problems } from "./problems.ts";
import { checkKeys, describe, isUnresolved, readMapping } from "./read.ts";
import type { LogConfig } from "./types.ts";

/** The formats, the first the default. */
export const LOG_FORMATS = ["text", "json"] as const;
/** The levels, lowest first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/** One of `words` (any case), the default when absent. */
function readWord<W extends string>(value: unknown, path: string, problems: Problems, words: readonly W[], fallback: W): W | undefined {
  if (value === null || value === undefined) return fallback;
  if (isUnresolved(value, path, problems)) return undefined;
  const word = typeof value === "string" ? value.trim().toLowerCase() : undefined;
  if (word !== undefined && (words as readonly string[]).includes(word)) return word as W;
  problems.add(path, `expected ${words.join(" or ")}, got ${describe(value)}`);
  return undefined;
}

/** Reads the key; absent means text lines at info. */
export function readLog(value: unknown, path: string, problems: Problems): LogConfig | undefined {
  if (value === null || value === undefined) return undefined;
  const mapping = readMapping(value, path, problems, `a mapping like { format: json, level: info }`);
  if (mapping === undefined) return undefined;
  checkKeys(mapping, KEYS, path, problems);
  const format = readWord(mapping.format, childPath(path, "format"), problems, LOG_FORMATS, "text");
  const level = readWord(mapping.level, childPath(path, "level"), problems, LOG_LEVELS, "info");
  return format === undefined || level === undefined ? undefined : { format, level };
}
