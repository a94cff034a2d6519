/** A bot's `parallel` section: how Switchboard joins a bot that another system also drives. */
import { API_HASH, PARALLEL_KEYS as KEYS_BY_MODE } from "./document.ts";
import { readListen } from "./listen.ts";
import { childPath, type Problems } from "./problems.ts";
import { checkKeys, describe, describeSecret, isUnresolved, readInteger, readMapping } from "./read.ts";
import { asInteger, asNumber, isOff } from "./spellings.ts";
import type { ParallelConfig } from "./types.ts";

type Mode = keyof typeof KEYS_BY_MODE;

const PROXY_EXAMPLE = "127.0.0.1:8081";

/** `webhook_retry_hours`: hours, fractions allowed; undefined when absent, null when reported. */
function readRetryHours(value: unknown, path: string, problems: Problems): number | null | undefined {
  if (value === null || value === undefined) return undefined;
  if (isUnresolved(value, path, problems)) return null;
  const hours = asNumber(value);
  if (hours !== undefined && hours > 0) return hours;
  problems.add(path, `expected hours greater than 0 (e.g. 24 or 0.5), got ${describe(value)}`);
  return null;
}

/** `webhook_max_attempts`: a positive integer or "off"; undefined when absent or off, null when reported. */
function readMaxAttempts(value: unknown, path: string, problems: Problems): number | null | undefined {
  if (value === null || value === undefined || isOff(value)) return undefined;
  if (isUnresolved(value, path, problems)) return null;
  const n = asInteger(value);
  if (n !== undefined && n >= 1) return n;
  problems.add(path, `expected a number of attempts (1 or more) or "off", got ${describe(value)}`);
  return null;
}

/** Reads the section; absent means the bot is Switchboard's alone. */
export function readParallel(value: unknown, path: string, problems: Problems): ParallelConfig | undefined {
  if (value === null || value === undefined) return undefined;
  const mapping = readMapping(value, path, problems);
  if (mapping === undefined) return undefined;
  const modePath = childPath(path, "mode");
  const rawMode = mapping.mode;
  let mode: Mode | undefined;
  if (rawMode === null || rawMode === undefined) problems.add(modePath, `required: "mtproto" or "proxy"`);
  else if (!isUnresolved(rawMode, modePath, problems)) {
    if (rawMode === "mtproto" || rawMode === "proxy") mode = rawMode;
    else problems.add(modePath, `expected "mtproto" or "proxy", got ${describe(rawMode)}`);
  }
  const allKeys = [...new Set([...KEYS_BY_MODE.mtproto, ...KEYS_BY_MODE.proxy])];
  // A key of the other mode is a misunderstanding, not a typo: say which mode uses it.
  checkKeys(mapping, mode === undefined ? allKeys : KEYS_BY_MODE[mode], path, problems, (key) =>
    mode !== undefined && allKeys.includes(key as never) ? `not used in ${mode} mode` : undefined);
  if (mode === "mtproto") {
    const apiIdPath = childPath(path, "api_id");
    const apiHashPath = childPath(path, "api_hash");
    let apiId = mapping.api_id === null || mapping.api_id === undefined
      ? void problems.add(apiIdPath, `required in mtproto mode (the api_id from my.telegram.org)`)
      : readInteger(mapping.api_id, apiIdPath, problems, "the api_id number from my.telegram.org");
    if (apiId !== undefined && apiId <= 0) {
      problems.add(apiIdPath, `expected the api_id number from my.telegram.org, got ${apiId}`);
      apiId = undefined;
    }
    let apiHash: string | undefined;
    if (mapping.api_hash === null || mapping.api_hash === undefined) {
      problems.add(apiHashPath, `required in mtproto mode (the api_hash from my.telegram.org)`);
    } else if (!isUnresolved(mapping.api_hash, apiHashPath, problems)) {
      if (typeof mapping.api_hash === "string" && API_HASH.test(mapping.api_hash.trim())) apiHash = mapping.api_hash.trim();
      else problems.add(apiHashPath, `expected the 32-character hex api_hash from my.telegram.org, got ${describeSecret(mapping.api_hash)}`);
    }
    return apiId === undefined || apiHash === undefined ? undefined : { mode, apiId, apiHash };
  }
  if (mode === "proxy") {
    const listenPath = childPath(path, "listen");
    if (mapping.listen === null || mapping.listen === undefined) {
      problems.add(listenPath, `required in proxy mode ("host:port" where the other system sends its Bot API calls, like "${PROXY_EXAMPLE}")`);
      return undefined;
    }
    const listen = readListen(mapping.listen, listenPath, problems, PROXY_EXAMPLE);
    const retryHours = readRetryHours(mapping.webhook_retry_hours, childPath(path, "webhook_retry_hours"), problems);
    const maxAttempts = readMaxAttempts(mapping.webhook_max_attempts, childPath(path, "webhook_max_attempts"), problems);
    if (listen === undefined || retryHours === null || maxAttempts === null) return undefined;
    return {
      mode, listen,
      ...(retryHours !== undefined ? { webhookRetryHours: retryHours } : {}),
      ...(maxAttempts !== undefined ? { webhookMaxAttempts: maxAttempts } : {}),
    };
  }
  return undefined;
}
