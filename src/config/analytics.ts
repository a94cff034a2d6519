/** The `analytics` key: how many days analytics keep their detail rows (see store/analytics.ts). */
import { DEFAULT_ANALYTICS_RETENTION_DAYS } from "./defaults.ts";
import { ANALYTICS_KEYS as KEYS } from "./document.ts";
import { childPath, type Problems } from "./problems.ts";
import { checkKeys, describe, isUnresolved, readMapping } from "./read.ts";
import { asNumber } from "./spellings.ts";
import type { AnalyticsConfig } from "./types.ts";

/** Reads the key; absent means the default retention. */
export function readAnalytics(value: unknown, path: string, problems: Problems): AnalyticsConfig | undefined {
  if (value === null || value === undefined) return undefined;
  const mapping = readMapping(value, path, problems, `a mapping like { retention_days: ${DEFAULT_ANALYTICS_RETENTION_DAYS} }`);
  if (mapping === undefined) return undefined;
  checkKeys(mapping, KEYS, path, problems);
  const daysPath = childPath(path, "retention_days");
  const raw = mapping.retention_days;
  if (raw === null || raw === undefined) return { retentionDays: DEFAULT_ANALYTICS_RETENTION_DAYS };
  if (isUnresolved(raw, daysPath, problems)) return undefined;
  const days = asNumber(raw);
  if (days !== undefined && Number.isInteger(days) && days >= 1) return { retentionDays: days };
  problems.add(daysPath, `expected a whole number of days, at least 1, got ${describe(raw)}`);
  return undefined;
}
