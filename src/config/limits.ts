/**
 * `limits`: how fast Switchboard lets itself send. The default is Telegram's published limits;
 * `off` is for a local Bot API server or the emulator; a mapping tunes each rate (a rate of
 * `off` disables that one). Not a Hotline parameter: Hotline has no such setting.
 */
import { TELEGRAM_LIMITS } from "./defaults.ts";
import { LIMITS_KEYS as KEYS } from "./document.ts";
import type { Problems } from "./problems.ts";
import { childPath } from "./problems.ts";
import { checkKeys, describe, isUnresolved } from "./read.ts";
import type { RateLimits } from "./types.ts";

function readRate(value: unknown, fallback: number, path: string, problems: Problems): number | null | undefined {
  if (value === null || value === undefined) return fallback;
  if (isUnresolved(value, path, problems)) return undefined;
  if (typeof value === "string" && value.trim().toLowerCase() === "off") return null;
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n === "number" && Number.isFinite(n) && n > 0) return n;
  problems.add(path, `expected a positive number or "off", got ${describe(value)}`);
  return undefined;
}

/** Reads `limits`; `undefined` when something was reported. */
export function readLimits(value: unknown, path: string, problems: Problems): RateLimits | undefined {
  if (value === null || value === undefined) return TELEGRAM_LIMITS;
  if (isUnresolved(value, path, problems)) return undefined;
  if (typeof value === "string") {
    const word = value.trim().toLowerCase();
    if (word === "telegram") return TELEGRAM_LIMITS;
    if (word === "off") return { globalPerSecond: null, groupPerMinute: null, privatePerSecond: null };
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    problems.add(path, `expected "telegram", "off" or a mapping with ${KEYS.join(", ")}, got ${describe(value)}`);
    return undefined;
  }
  const map = value as Record<string, unknown>;
  checkKeys(map, KEYS, path, problems);
  const globalPerSecond = readRate(map.global_per_second, TELEGRAM_LIMITS.globalPerSecond!, childPath(path, "global_per_second"), problems);
  const groupPerMinute = readRate(map.group_per_minute, TELEGRAM_LIMITS.groupPerMinute!, childPath(path, "group_per_minute"), problems);
  const privatePerSecond = readRate(map.private_per_second, TELEGRAM_LIMITS.privatePerSecond!, childPath(path, "private_per_second"), problems);
  if (globalPerSecond === undefined || groupPerMinute === undefined || privatePerSecond === undefined) return undefined;
  return { globalPerSecond, groupPerMinute, privatePerSecond };
}
