/**
 * The webhooks plugin's own options (`plugins: [{ name: webhooks, options: { … } }]`). The
 * subscriptions themselves are the Hotline parameter `webhooks`; these only tune delivery.
 */
import type { OptionProblem } from "../../src/mod.ts";

/** Delivery settings after validation. */
export interface WebhookOptions {
  /** HMAC-SHA256 key: when set, every request carries `X-Switchboard-Signature: sha256=<hex>`. */
  secret: string | undefined;
  /** How long one request may take before it counts as failed (and is retried). */
  timeoutMs: number;
  /** How long an event is retried before it is given up (measured from when it was queued). */
  retryForMs: number;
}

const defaults = { timeout_seconds: 10, retry_hours: 24 };

/** Checks the raw options; every problem names its key. */
export function parseWebhookOptions(raw: Record<string, unknown>): { ok: true; options: WebhookOptions } | { ok: false; problems: OptionProblem[] } {
  const problems: OptionProblem[] = [];
  const number = (key: keyof typeof defaults, min: number, max: number): number => {
    const value = raw[key] ?? defaults[key];
    if (typeof value === "number" && Number.isFinite(value) && value > min && value <= max) return value;
    problems.push({ option: key, message: `expected a number above ${min} and at most ${max}, got ${JSON.stringify(value)}` });
    return defaults[key];
  };
  const timeoutSeconds = number("timeout_seconds", 0, 300);
  const retryHours = number("retry_hours", 0, 24 * 7);
  const secret = raw.secret;
  if (secret !== undefined && (typeof secret !== "string" || secret === "")) problems.push({ option: "secret", message: "expected a non-empty string (the HMAC key)" });
  for (const key of Object.keys(raw)) {
    if (!["secret", "timeout_seconds", "retry_hours"].includes(key)) problems.push({ option: key, message: "unknown option (webhooks takes secret, timeout_seconds, retry_hours)" });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, options: { secret: secret as string | undefined, timeoutMs: timeoutSeconds * 1000, retryForMs: retryHours * 3_600_000 } };
}
