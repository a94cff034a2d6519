/** The `webhooks` parameter: `{ url: [events] }`, each URL receiving the listed dialog events. */
import { childPath, type Problems } from "./problems.ts";
import { asList, describe, isUnresolved, readHttpUrl, readMapping } from "./read.ts";
import type { WebhookEvent } from "./types.ts";

/** Dialog events a webhook URL can subscribe to; any `/command` is allowed besides these. */
export const WEBHOOK_EVENTS: readonly WebhookEvent[] = [
  "dialog_created",
  "dialog_reopened",
  "dialog_closed",
  "message_received",
  "message_sent",
  "message_intercepted",
];

const COMMAND = /^\/[A-Za-z0-9_]+$/;

/** Reads the mapping; a single event may stand for a one-item list. */
export function readWebhooks(value: unknown, path: string, problems: Problems): Record<string, string[]> | undefined {
  if (value === null || value === undefined) return {};
  const mapping = readMapping(value, path, problems, "a mapping of URL: [events]");
  if (mapping === undefined) return undefined;
  const out: Record<string, string[]> = {};
  let ok = true;
  for (const [key, raw] of Object.entries(mapping)) {
    const keyPath = childPath(path, key);
    const url = readHttpUrl(key, keyPath, problems, "an http(s) URL as the key");
    const events = raw === null || raw === undefined ? [] : asList(raw);
    if (events.length === 0) {
      problems.add(keyPath, `expected a list of events, got nothing`);
      ok = false;
    }
    events.forEach((event, i) => {
      const eventPath = Array.isArray(raw) ? childPath(keyPath, i) : keyPath;
      if (isUnresolved(event, eventPath, problems)) ok = false;
      else if (typeof event !== "string" || !(WEBHOOK_EVENTS.includes(event as WebhookEvent) || COMMAND.test(event))) {
        problems.add(eventPath, `expected one of ${WEBHOOK_EVENTS.join(", ")} or a /command, got ${describe(event)}`);
        ok = false;
      }
    });
    if (url === undefined) ok = false;
    else out[key.trim()] = [...new Set(events as string[])];
  }
  return ok ? out : undefined;
}
