/**
 * Everything a deployer configures about webhooks, declared in one place: the Hotline parameter
 * `webhooks` (which events go to which URL) and the plugin's delivery options
 * (`plugins: [{ name: webhooks, options: { … } }]`: signing, timeout, how long to retry).
 */
import * as Schema from "effect/Schema";
import { anyOf, asHttpUrl, asNumber, describeValue, ENV_REFERENCE, isMapping, lenient, param, refuse, type Refusal } from "../../src/mod.ts";

/** Dialog events a webhook URL can subscribe to; any `/command` is allowed besides these. */
export const WEBHOOK_EVENTS = [
  "dialog_created",
  "dialog_reopened",
  "dialog_closed",
  "message_received",
  "message_sent",
  "message_intercepted",
  "broadcast_started",
  "broadcast_finished",
] as const;

/** A dialog event a `webhooks` URL can subscribe to (besides any `/command`). */
export type WebhookEvent = typeof WEBHOOK_EVENTS[number];

const COMMAND = /^\/[A-Za-z0-9_]+$/;

const EVENT = anyOf({ enum: [...WEBHOOK_EVENTS] }, { type: "string", pattern: COMMAND.source });

/** `{ url: [events] }`; a single event may stand for a one-item list; duplicates collapse. */
const Subscriptions = lenient(Schema.Record({ key: Schema.String, value: Schema.Array(Schema.String) }), {
  input: {
    type: "object",
    // Any key: a URL (checked when the file is read), possibly with ${VAR}s in it.
    additionalProperties: anyOf(EVENT, { type: "array", minItems: 1, items: EVENT }),
    propertyNames: anyOf({ type: "string", pattern: "^\\s*https?://" }, ENV_REFERENCE),
  },
  decode: (written) => {
    if (!isMapping(written)) return refuse(`expected a mapping of URL: [events], got ${describeValue(written)}`);
    const out: Record<string, string[]> = {};
    const refusals: Refusal[] = [];
    for (const [key, raw] of Object.entries(written)) {
      const urlOk = asHttpUrl(key) !== undefined;
      if (!urlOk) refusals.push({ at: [key], actual: key, message: `expected an http(s) URL as the key, got ${describeValue(key)}` });
      const events = raw === null || raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
      if (events.length === 0) refusals.push({ at: [key], actual: raw, message: `expected a list of events, got nothing` });
      let eventsOk = events.length > 0;
      events.forEach((event, i) => {
        if (typeof event === "string" && ((WEBHOOK_EVENTS as readonly string[]).includes(event) || COMMAND.test(event))) return;
        eventsOk = false;
        refusals.push({
          at: Array.isArray(raw) ? [key, i] : [key],
          actual: event,
          message: `expected one of ${WEBHOOK_EVENTS.join(", ")} or a /command, got ${describeValue(event)}`,
        });
      });
      if (urlOk && eventsOk) out[key.trim()] = [...new Set(events as string[])];
    }
    return refusals.length > 0 ? refuse(...refusals) : out;
  },
});

/** The parameters this plugin owns. */
export const params = {
  webhooks: param(Subscriptions, {
    default: {},
    description:
      `URL → the events POSTed to it as JSON: ${WEBHOOK_EVENTS.join(", ")}, or an operator's /command in a topic. Durable, at least once, in order per URL, retried with backoff (see docs/webhooks.md).`,
    examples: [{ "https://crm.example.com/hooks/switchboard": ["dialog_created", "dialog_closed"], "https://billing.example.com/hook": ["/invoice"] }],
  }),
};

/** A number of `unit` above 0 and at most `max`. */
function bounded(max: number) {
  return lenient(Schema.Number, {
    input: anyOf({ type: "number", exclusiveMinimum: 0, maximum: max }, { type: "string", pattern: "^\\s*\\+?(\\d+(\\.\\d*)?|\\.\\d+)\\s*$" }, ENV_REFERENCE),
    decode: (written) => {
      const n = asNumber(written);
      return n !== undefined && n > 0 && n <= max ? n : refuse(`expected a number above 0 and at most ${max}, got ${describeValue(written)}`);
    },
  });
}

/** The HMAC key: any non-empty text (never echoed in messages: it is a secret). */
const Secret = lenient(Schema.String, {
  input: { type: "string", minLength: 1 },
  decode: (written) => (typeof written === "string" && written !== "" ? written : refuse("expected a non-empty string (the HMAC key)")),
});

/** Delivery settings after validation: what the sender is built with. */
export interface WebhookOptions {
  /** HMAC-SHA256 key: when set, every request carries `X-Switchboard-Signature: sha256=<hex>`. */
  readonly secret: string | undefined;
  /** How long one request may take before it counts as failed (and is retried). */
  readonly timeoutMs: number;
  /** How long an event is retried before it is given up (measured from when it was queued). */
  readonly retryForMs: number;
}

/** The plugin's options as written (`plugins: [{ name: webhooks, options: { … } }]`). */
const WrittenOptions = Schema.Struct({
  secret: Schema.optional(Secret).annotations({ description: "HMAC-SHA256 key: when set, every request carries X-Switchboard-Signature: sha256=<hex of the body's HMAC>." }),
  timeout_seconds: param(bounded(300), { default: 10, description: "Seconds one request may take before it counts as failed and is retried (at most 300)." }),
  retry_hours: param(bounded(24 * 7), { default: 24, description: "Hours an event is retried before it is given up, counted from when it was queued (at most 168)." }),
});

/** The options schema: the written keys, decoded into {@link WebhookOptions}. */
export const webhookOptions: Schema.Schema<WebhookOptions, unknown> = Schema.transform(
  WrittenOptions,
  Schema.Struct({ secret: Schema.UndefinedOr(Schema.String), timeoutMs: Schema.Number, retryForMs: Schema.Number }),
  {
    strict: true,
    decode: (o) => ({ secret: o.secret, timeoutMs: o.timeout_seconds * 1000, retryForMs: o.retry_hours * 3_600_000 }),
    encode: (o) => ({ ...(o.secret === undefined ? {} : { secret: o.secret }), timeout_seconds: o.timeoutMs / 1000, retry_hours: o.retryForMs / 3_600_000 }),
  },
) as Schema.Schema<WebhookOptions, unknown>;
