/**
 * The `admin` key: where the admin listener (`/metrics`, `/healthz`, `/readyz`) listens and the
 * token it asks for. Loopback by default; a listener reachable from other machines without a
 * token would publish the deployment's metrics and, later, its analytics, so it is refused.
 */
import { DEFAULT_ADMIN_LISTEN, DEFAULT_READY_OUTBOX_AGE_SECONDS } from "./defaults.ts";
import { ADMIN_KEYS as KEYS } from "./document.ts";
import { readListen } from "./listen.ts";
import { childPath, type Problems } from "./problems.ts";
import { checkKeys, describe, describeSecret, isUnresolved, readMapping } from "./read.ts";
import { asNumber } from "./spellings.ts";
import type { AdminConfig } from "./types.ts";

/** What an admin token may be: visible ASCII, no spaces (it travels in a header and a URL). */
export const ADMIN_TOKEN = /^[\x21-\x7e]{16,512}$/;

/** Whether `host` is reachable only from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

/** Reads the key; absent means no admin listener. */
export function readAdmin(value: unknown, path: string, problems: Problems): AdminConfig | undefined {
  if (value === null || value === undefined) return undefined;
  const mapping = readMapping(value, path, problems, `a mapping like { listen: "${DEFAULT_ADMIN_LISTEN}", token: \${ADMIN_TOKEN} }`);
  if (mapping === undefined) return undefined;
  checkKeys(mapping, KEYS, path, problems);
  const before = problems.list.length;
  const listenPath = childPath(path, "listen");
  const listen = readListen(mapping.listen ?? DEFAULT_ADMIN_LISTEN, listenPath, problems, DEFAULT_ADMIN_LISTEN);

  const tokenPath = childPath(path, "token");
  let token: string | undefined;
  const raw = mapping.token;
  // `${ADMIN_TOKEN:-}` (empty) is the same as no token: the listener then stays on loopback.
  if (raw !== null && raw !== undefined && raw !== "" && !isUnresolved(raw, tokenPath, problems)) {
    if (typeof raw === "string" && ADMIN_TOKEN.test(raw)) token = raw;
    else problems.add(tokenPath, `expected 16-512 visible characters without spaces (e.g. from "openssl rand -hex 32"), got ${describeSecret(raw)}`);
  }

  const agePath = childPath(path, "ready_outbox_age");
  let readyOutboxAgeSeconds = DEFAULT_READY_OUTBOX_AGE_SECONDS;
  if (mapping.ready_outbox_age !== null && mapping.ready_outbox_age !== undefined && !isUnresolved(mapping.ready_outbox_age, agePath, problems)) {
    const seconds = asNumber(mapping.ready_outbox_age);
    if (seconds !== undefined && seconds > 0) readyOutboxAgeSeconds = seconds;
    else problems.add(agePath, `expected a number of seconds above 0, got ${describe(mapping.ready_outbox_age)}`);
  }

  const urlPath = childPath(path, "public_url");
  let publicUrl: string | undefined;
  const rawUrl = mapping.public_url;
  if (rawUrl !== null && rawUrl !== undefined && rawUrl !== "" && !isUnresolved(rawUrl, urlPath, problems)) {
    publicUrl = typeof rawUrl === "string" ? httpBase(rawUrl) : undefined;
    if (publicUrl === undefined) problems.add(urlPath, `expected an http(s) address like https://switchboard.example.com, got ${describe(rawUrl)}`);
  }

  if (listen !== undefined && token === undefined && problems.list.length === before && !isLoopback(listen.host)) {
    problems.add(listenPath, `${listen.host}:${listen.port} is reachable from other machines: set admin.token (e.g. token: \${ADMIN_TOKEN}) or listen on 127.0.0.1`);
  }
  if (problems.list.length > before || listen === undefined) return undefined;
  return { listen, readyOutboxAgeSeconds, ...(token === undefined ? {} : { token }), ...(publicUrl === undefined ? {} : { publicUrl }) };
}

/** An http(s) address without its trailing slash (pages are appended to it), or undefined. */
function httpBase(text: string): string | undefined {
  try {
    const url = new URL(text.trim());
    if (url.protocol !== "http:" && url.protocol !== "https:" || url.search || url.hash) return undefined;
    return url.href.replace(/\/+$/, "");
  } catch {
    return undefined;
  }
}
