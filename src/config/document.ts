/**
 * The file as written: every key, what may be written there, and its doc text, as one
 * `effect/Schema`. `switchboard schema` prints its JSON Schema (for editors: completion, hover
 * text, validation), and the readers take their lists of known keys from it, so a key cannot be
 * documented without being read or read without being documented.
 *
 * The parameters come from the built-in plugins' own schemas (`plugins/params.ts`). The core's
 * keys (`storage`, `bots[].id` …) are checked by the readers next to this file, which report the
 * cross-key rules a JSON Schema cannot express (a webhook section only matters with
 * `updates: webhook`, ids and tokens are unique, …).
 */
import * as JSONSchema from "effect/JSONSchema";
import * as Schema from "effect/Schema";
import { DEFAULT_ADMIN_LISTEN, DEFAULT_ANALYTICS_RETENTION_DAYS, DEFAULT_API_ROOT, DEFAULT_READY_OUTBOX_AGE_SECONDS, DEFAULT_STORAGE, DEFAULT_TRACING_SERVICE_NAME, DEFAULT_WEBHOOK_LISTEN, TELEGRAM_LIMITS } from "./defaults.ts";
import type { WrittenAs } from "./lenient.ts";
import { ParamsSchema, PARAM_NAMES } from "./params.ts";
import { anyOf, ENV_REFERENCE, orEnv, wordsPattern, writtenAs } from "./values.ts";

/** A bot id: 1-64 of `A-Za-z0-9_-`. */
export const BOT_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** A Bot API token's shape. */
export const BOT_TOKEN = /^\d+:[A-Za-z0-9_-]{20,}$/;
/** Supergroup and channel ids are -100 followed by the 10+ digit channel id. */
export const MAX_SUPERGROUP_ID = -1000000000000;
/** Telegram's rule for a webhook's `secret_token`. */
export const WEBHOOK_SECRET = /^[A-Za-z0-9_-]{1,256}$/;
/** An api_hash from my.telegram.org. */
export const API_HASH = /^[0-9a-fA-F]{32}$/;

/** Doc text of a key. */
type Doc = {
  readonly description: string;
  readonly default?: unknown;
  readonly examples?: readonly [unknown, ...unknown[]];
};

/** A value documented only by how it may be written (its reader checks it). */
const written = (json: WrittenAs) => Schema.Unknown.annotations({ jsonSchema: json });
/** A key that must be given. */
const required = (json: WrittenAs, doc: Doc) => Schema.propertySignature(written(json)).annotations(doc);
/** A key that may be left out. */
const optional = (json: WrittenAs, doc: Doc) => Schema.optional(written(json)).annotations(doc);

const HTTP_URL: WrittenAs = { type: "string", pattern: "^\\s*https?://", format: "uri" };
const LISTEN: WrittenAs = anyOf({ type: "string", pattern: "^(\\[[0-9A-Fa-f:.]+\\]|[^\\s:\\[\\]]*):\\d+$" }, { type: "integer", minimum: 1, maximum: 65535 });
const RATE: WrittenAs = anyOf({ type: "number", exclusiveMinimum: 0 }, { type: "string", pattern: wordsPattern(["off"]) }, ENV_REFERENCE);

/** `bots[].webhook`. */
const Webhook = Schema.Struct({
  url: required(orEnv(HTTP_URL), { description: "The public URL given to setWebhook; the local server routes on its path." }),
  listen: optional(orEnv(LISTEN), { description: "Where the local HTTP server listens (a reverse proxy may sit in front).", default: DEFAULT_WEBHOOK_LISTEN }),
  secret: optional(orEnv({ type: "string", pattern: WEBHOOK_SECRET.source }), {
    description: "Sent by Telegram as X-Telegram-Bot-Api-Secret-Token; requests without it get 401. 1-256 of A-Za-z0-9_-.",
  }),
});

/** `bots[].parallel` in mtproto mode. */
const MtprotoParallel = Schema.Struct({
  mode: required({ type: "string", const: "mtproto" }, { description: "Join through MTProto with the bot's token: Switchboard sees updates the other system also gets." }),
  api_id: required(orEnv(anyOf({ type: "integer", minimum: 1 }, { type: "string", pattern: "^\\s*\\d+\\s*$" })), { description: "The api_id from my.telegram.org." }),
  api_hash: required(orEnv({ type: "string", pattern: API_HASH.source }), { description: "The 32-character hex api_hash from my.telegram.org." }),
});

/** `bots[].parallel` in proxy mode. */
const ProxyParallel = Schema.Struct({
  mode: required({ type: "string", const: "proxy" }, { description: "Serve a Bot API proxy that the other system uses instead of api.telegram.org." }),
  listen: required(orEnv(LISTEN), { description: "host:port where the other system sends its Bot API calls.", examples: ["127.0.0.1:8081"] }),
  webhook_retry_hours: optional(orEnv(anyOf({ type: "number", exclusiveMinimum: 0 }, { type: "string", pattern: "^\\s*(\\d+(\\.\\d*)?|\\.\\d+)\\s*$" })), {
    description: "When the other system set a webhook on the proxy: hours an update it refuses is retried, counted from when it was queued, before it is given up (logged, counted) and its chat goes on.",
    default: 24,
  }),
  webhook_max_attempts: optional(orEnv(anyOf({ type: "integer", minimum: 1 }, { type: "string", pattern: wordsPattern(["off"]) })), {
    description: "When the other system set a webhook on the proxy: posts of one update before it is given up; off = only the retry window counts (as on Telegram).",
    default: "off",
  }),
});

/** `bots[].limits` as a mapping. */
const Limits = Schema.Struct({
  global_per_second: optional(RATE, { description: "Messages per second overall; off = unlimited.", default: TELEGRAM_LIMITS.globalPerSecond }),
  group_per_minute: optional(RATE, { description: "Messages per minute into the operators' group; off = unlimited.", default: TELEGRAM_LIMITS.groupPerMinute }),
  private_per_second: optional(RATE, { description: "Messages per second into one private chat; off = unlimited.", default: TELEGRAM_LIMITS.privatePerSecond }),
});

/** One entry of `bots[].plugins` in its long form. */
const PluginByName = Schema.Struct({
  name: required({ type: "string", minLength: 1 }, { description: "A built-in plugin's name (to pass it options), or a package name." }),
  options: optional({ type: "object" }, { description: "The plugin's options (checked by the plugin's schema at start and by switchboard check)." }),
});
const PluginByPath = Schema.Struct({
  path: required({ type: "string", minLength: 1 }, { description: "A plugin module's path, relative to this file." }),
  options: optional({ type: "object" }, { description: "The plugin's options (checked by the plugin's schema at start and by switchboard check)." }),
});

/** One entry of `bots`. */
const Bot = Schema.Struct({
  id: required(orEnv(anyOf({ type: "string", pattern: BOT_ID.source }, { type: "integer", minimum: 0 })), {
    description: "Stable id used in storage: 1-64 of A-Za-z0-9_-, unique in the file.",
    examples: ["acme"],
  }),
  token: required(orEnv({ type: "string", pattern: BOT_TOKEN.source }), {
    description: "The Bot API token from @BotFather; best given as ${VARIABLE}.",
    examples: ["${ACME_BOT_TOKEN}"],
  }),
  api_root: optional(orEnv(HTTP_URL), { description: "Bot API server root (a local telegram-bot-api, the emulator).", default: DEFAULT_API_ROOT }),
  group: required(orEnv(anyOf({ type: "integer", maximum: MAX_SUPERGROUP_ID }, { type: "string", pattern: "^\\s*-100\\d{10,}\\s*$" })), {
    description: "The operators' forum supergroup's chat id (-100…).",
    examples: [-1001234567890],
  }),
  updates: optional(orEnv({ type: "string", pattern: wordsPattern(["polling", "webhook"]) }), {
    description: "How updates arrive: polling (getUpdates) or webhook (see webhook).",
    default: "polling",
  }),
  webhook: optional(anyOf(orEnv(HTTP_URL), writtenAs(Webhook)), {
    description: "Where Telegram posts updates when updates is webhook: { url, listen, secret }, or just the URL. Ignored (keys still checked) with polling.",
  }),
  parallel: optional(anyOf(writtenAs(MtprotoParallel), writtenAs(ProxyParallel)), {
    description: "When another system also drives this bot: { mode: proxy, listen } or { mode: mtproto, api_id, api_hash }.",
  }),
  params: Schema.optional(ParamsSchema).annotations({
    description: "Hotline's parameters, each implemented by a built-in plugin. Names are matched case-insensitively (WELCOME works).",
  }),
  plugins: optional(
    anyOf({ type: "string", minLength: 1 }, writtenAs(PluginByName), writtenAs(PluginByPath), {
      type: "array",
      items: anyOf({ type: "string", minLength: 1 }, writtenAs(PluginByName), writtenAs(PluginByPath)),
    }),
    { description: "Plugins: a package name, a ./path (relative to this file), or { name | path, options }.", default: [] },
  ),
  limits: optional(anyOf({ type: "string", pattern: wordsPattern(["telegram", "off"]) }, writtenAs(Limits)), {
    description: "Sending rates: telegram (Telegram's published limits), off (for a local Bot API server or the emulator), or per rate.",
    default: "telegram",
  }),
});

/** `admin`: the admin listener. */
const Admin = Schema.Struct({
  listen: optional(orEnv(LISTEN), {
    description: "Where /metrics, /healthz and /readyz are served. Loopback by default; another address requires token.",
    default: DEFAULT_ADMIN_LISTEN,
  }),
  token: optional(orEnv({ type: "string", pattern: "^[\\x21-\\x7e]{16,512}$" }), {
    description: "Required as 'Authorization: Bearer TOKEN' or ?token= on every route but /healthz; 16-512 visible characters. Best given as ${VARIABLE}.",
    examples: ["${ADMIN_TOKEN}"],
  }),
  ready_outbox_age: optional(orEnv(anyOf({ type: "number", exclusiveMinimum: 0 }, { type: "string", pattern: "^\\s*(\\d+(\\.\\d*)?|\\.\\d+)\\s*$" })), {
    description: "Seconds an outbox row may wait before /readyz reports the bot unready.",
    default: DEFAULT_READY_OUTBOX_AGE_SECONDS,
  }),
  public_url: optional(orEnv({ type: "string", pattern: "^https?://\\S+$" }), {
    description: "Where people reach the listener (e.g. behind a reverse proxy): the base of the analytics page's link in /stats. Default: http://<listen address>.",
    examples: ["https://switchboard.example.com"],
  }),
});

/** `log`: how log lines look. */
const Log = Schema.Struct({
  format: optional(orEnv({ type: "string", pattern: wordsPattern(["text", "json"]) }), {
    description: "text: one readable line per event; json: one JSON object per line (time, level, bot, message, chat, update_id, intent …).",
    default: "text",
  }),
  level: optional(orEnv({ type: "string", pattern: wordsPattern(["debug", "info", "warn", "error"]) }), {
    description: "The lowest level written.",
    default: "info",
  }),
});

/** `analytics`: what the analytics keep. */
const Analytics = Schema.Struct({
  retention_days: optional(orEnv(anyOf({ type: "integer", minimum: 1 }, { type: "string", pattern: "^\\s*[1-9]\\d*\\s*$" })), {
    description: "Days detail rows (one per message, dialog change, delivery problem) are kept; older ones are folded into per-day totals.",
    default: DEFAULT_ANALYTICS_RETENTION_DAYS,
  }),
});

/** `tracing`: OpenTelemetry traces of the pipeline. */
const Tracing = Schema.Struct({
  otlp_endpoint: required(orEnv(HTTP_URL), {
    description: "The collector's OTLP/HTTP traces URL (JSON encoding), e.g. an OpenTelemetry Collector, Jaeger or Grafana Tempo.",
    examples: ["http://127.0.0.1:4318/v1/traces"],
  }),
  service_name: optional(orEnv({ type: "string", minLength: 1 }), { description: "The traces' service.name.", default: DEFAULT_TRACING_SERVICE_NAME }),
  sample_ratio: optional(orEnv(anyOf({ type: "number", minimum: 0, maximum: 1 }, { type: "string", pattern: "^\\s*(0(\\.\\d*)?|1(\\.0*)?|\\.\\d+)\\s*$" })), {
    description: "The share of updates traced, 0 to 1: decided when an update is accepted; its step and deliveries follow.",
    default: 1,
  }),
});

/** The whole file. */
const File = Schema.Struct({
  storage: optional(orEnv({ type: "string", pattern: "^\\s*(sqlite:.+|postgres(ql)?://.+)$" }), {
    description: "Where the state of every bot lives: sqlite:PATH (relative to the working directory) or postgres://user:pass@host/db.",
    default: DEFAULT_STORAGE,
  }),
  bots: required({ type: "array", minItems: 1, items: writtenAs(Bot) }, { description: "One entry per bot; at least one." }),
  admin: optional(writtenAs(Admin), {
    description: "The admin listener: /metrics (Prometheus text), /healthz and /readyz (JSON). Not served when absent.",
    examples: [{ listen: DEFAULT_ADMIN_LISTEN, token: "${ADMIN_TOKEN}" }],
  }),
  log: optional(writtenAs(Log), { description: "Log lines: { format: text | json, level: debug | info | warn | error }.", default: { format: "text", level: "info" } }),
  analytics: optional(writtenAs(Analytics), {
    description: "Analytics the runtime records (see /stats): { retention_days } of detail rows before they are folded into per-day totals.",
    default: { retention_days: DEFAULT_ANALYTICS_RETENTION_DAYS },
  }),
  tracing: optional(writtenAs(Tracing), {
    description: "OpenTelemetry traces of each update's way (accepted → step → deliveries), sent as OTLP/HTTP. Off when absent.",
    examples: [{ otlp_endpoint: "http://127.0.0.1:4318/v1/traces", service_name: DEFAULT_TRACING_SERVICE_NAME, sample_ratio: 0.1 }],
  }),
});

/** Keys as written in the file, for the readers' unknown-key checks. */
const keysOf = (struct: { readonly fields: Record<string, unknown> }) => Object.keys(struct.fields);

/** The top-level keys. */
export const TOP_KEYS = keysOf(File);
/** The keys of a bot entry. */
export const BOT_KEYS = keysOf(Bot);
/** The keys of a webhook section. */
export const WEBHOOK_KEYS = keysOf(Webhook);
/** The keys of `admin`. */
export const ADMIN_KEYS = keysOf(Admin);
/** The keys of `log`. */
export const LOG_KEYS = keysOf(Log);
/** The keys of `analytics`. */
export const ANALYTICS_KEYS = keysOf(Analytics);
/** The keys of `tracing`. */
export const TRACING_KEYS = keysOf(Tracing);
/** The keys of `limits` as a mapping. */
export const LIMITS_KEYS = keysOf(Limits);
/** The keys of a parallel section, by mode. */
export const PARALLEL_KEYS = { mtproto: keysOf(MtprotoParallel), proxy: keysOf(ProxyParallel) } as const;
/** The keys of a plugin entry in its long form. */
export const PLUGIN_ENTRY_KEYS = [...new Set([...keysOf(PluginByName), ...keysOf(PluginByPath)])];

/** A plugin whose options are documented under `plugins: [{ name, options }]`. */
export interface PluginOptionsDoc {
  readonly name: string;
  readonly options?: Schema.Schema.Any;
}

/** Matches any spelling of the parameter names: Hotline's names are case-insensitive. */
const anyCaseParams = wordsPattern(PARAM_NAMES).replace(/\\s\*/g, "");

/**
 * The JSON Schema (draft-07) of the whole file. `plugins` are the plugins whose options are
 * documented for `{ name, options }` entries (the built-ins; a deployer's plugin by name too).
 */
export function configJsonSchema(plugins: readonly PluginOptionsDoc[] = []): Record<string, unknown> {
  const root = JSONSchema.make(File) as JSONSchema.JsonSchema7Root & Record<string, any>;
  const bot = root.properties.bots.items;
  // Other spellings of a parameter (WELCOME) are accepted as they are; lowercase ones are checked.
  bot.properties.params.patternProperties = { [anyCaseParams]: {} };
  const withOptions = plugins.filter((p) => p.options !== undefined);
  if (withOptions.length > 0) {
    const byName = withOptions.map((p) => ({
      if: { type: "object", properties: { name: { const: p.name } }, required: ["name"] },
      then: { properties: { options: { ...writtenAs(p.options!), description: `Options of the built-in plugin ${p.name}.` } } },
    }));
    const entry = { allOf: byName };
    const plugin = bot.properties.plugins;
    plugin.anyOf = plugin.anyOf.map((alternative: Record<string, any>) =>
      alternative.type === "array" ? { ...alternative, items: { allOf: [alternative.items, entry] } } : alternative
    );
    plugin.allOf = [entry];
  }
  const { $schema, ...rest } = shareEnvReference(root) as Record<string, unknown>;
  return {
    $schema,
    title: "Switchboard configuration",
    description: "A Switchboard config file (switchboard.yaml). Any value may be a ${VARIABLE} from the environment.",
    ...rest,
    $defs: { ...(root.$defs ?? {}), env: ENV_REFERENCE },
  };
}

const ENV_TEXT = JSON.stringify(ENV_REFERENCE);

/** Every inline `${NAME}` alternative becomes a reference to one definition (a third of the size). */
function shareEnvReference(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(shareEnvReference);
  if (typeof node !== "object" || node === null) return node;
  if (JSON.stringify(node) === ENV_TEXT) return { $ref: "#/$defs/env" };
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, shareEnvReference(v)]));
}
