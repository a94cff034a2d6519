/**
 * Hotline's lenient spellings, as plain functions: values from `${ENV}` arrive as strings, and
 * YAML 1.2 reads `yes`/`on` as strings too, so numbers and booleans are also accepted in their
 * string spelling. Each returns `undefined` for a value it does not accept; the caller says why.
 */
import { Unresolved } from "./interpolate.ts";

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const TRUE = new Set(["true", "yes", "on", "1"]);
const FALSE = new Set(["false", "no", "off", "0"]);

/** A safe integer, written as a number or an integer string. */
export function asInteger(value: unknown): number | undefined {
  const n = typeof value === "string" && INTEGER.test(value.trim()) ? Number(value.trim()) : value;
  return typeof n === "number" && Number.isSafeInteger(n) ? n : undefined;
}

/** A finite number, written as a number or a decimal string. */
export function asNumber(value: unknown): number | undefined {
  const n = typeof value === "string" && DECIMAL.test(value.trim()) ? Number(value.trim()) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

/** A boolean; also yes/no, on/off, 1/0 in any case. */
export function asFlag(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  const word = typeof value === "string" || typeof value === "number" ? String(value).trim().toLowerCase() : undefined;
  if (word !== undefined && TRUE.has(word)) return true;
  if (word !== undefined && FALSE.has(word)) return false;
  return undefined;
}

/** A non-empty word or phrase; numbers count too, since YAML reads `2024` as a number. */
export function asPhrase(value: unknown): string | undefined {
  const phrase = typeof value === "number" ? String(value) : value;
  return typeof phrase === "string" && phrase.trim() !== "" ? phrase : undefined;
}

/** An absolute http(s) URL (surrounding spaces ignored). */
export function asHttpUrl(value: unknown): URL | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const url = new URL(value.trim());
    return url.protocol === "https:" || url.protocol === "http:" ? url : undefined;
  } catch {
    return undefined;
  }
}

/** `off` (any case) or `false`: the spelling that switches a feature off. */
export function isOff(value: unknown): boolean {
  return value === false || (typeof value === "string" && value.trim().toLowerCase() === "off");
}

/** True for a YAML mapping (not a list, not a scalar, not an unresolved `${VAR}`). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Unresolved);
}

/**
 * How a found value is shown after "got": strings quoted (and shortened), containers by kind,
 * absence as "nothing".
 */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (typeof value === "string") {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return String(value);
}
