/** A bot's `webhook` section: where Telegram posts updates and where we listen for them. */
import { DEFAULT_WEBHOOK_LISTEN } from "./defaults.ts";
import { WEBHOOK_KEYS as KEYS, WEBHOOK_SECRET as SECRET } from "./document.ts";
import { readListen } from "./listen.ts";
import { silenceUnresolved } from "./interpolate.ts";
import { childPath, type Problems } from "./problems.ts";
import { checkKeys, describeSecret, isMapping, isUnresolved, readHttpUrl, readMapping } from "./read.ts";
import type { WebhookConfig } from "./types.ts";

/**
 * Reads the section when `updates: webhook` (`used`); a missing URL is then reported at
 * `webhook.url` even when the whole section is absent. A bare string is taken as the URL.
 *
 * With polling the section is unused: only its keys are checked (for typos) and it is left out
 * of the result, so a file can keep a prepared webhook section (as the contract's example does,
 * with a placeholder URL and a secret not yet in the environment) while it polls.
 */
export function readWebhook(value: unknown, path: string, problems: Problems, used: boolean): WebhookConfig | undefined {
  if (!used) {
    if (isMapping(value)) checkKeys(value, KEYS, path, problems);
    silenceUnresolved(value);
    return undefined;
  }
  if (value === null || value === undefined) {
    problems.add(childPath(path, "url"), `required when updates is "webhook"`);
    return undefined;
  }
  const mapping = typeof value === "string" ? { url: value } : readMapping(value, path, problems);
  if (mapping === undefined) return undefined;
  checkKeys(mapping, KEYS, path, problems);
  const before = problems.list.length;
  const urlPath = childPath(path, "url");
  const url = mapping.url === null || mapping.url === undefined
    ? void problems.add(urlPath, `required when updates is "webhook"`)
    : readHttpUrl(mapping.url, urlPath, problems);
  const listen = readListen(mapping.listen ?? DEFAULT_WEBHOOK_LISTEN, childPath(path, "listen"), problems, DEFAULT_WEBHOOK_LISTEN);
  const secretPath = childPath(path, "secret");
  let secret: string | undefined;
  if (mapping.secret !== null && mapping.secret !== undefined && !isUnresolved(mapping.secret, secretPath, problems)) {
    if (typeof mapping.secret === "string" && SECRET.test(mapping.secret)) secret = mapping.secret;
    else problems.add(secretPath, `expected 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule), got ${describeSecret(mapping.secret)}`);
  }
  if (problems.list.length > before || url === undefined || listen === undefined) return undefined;
  return { url: url.href, listen, ...(secret === undefined ? {} : { secret }), path: url.pathname };
}
