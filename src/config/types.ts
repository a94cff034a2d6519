/**
 * The validated configuration, as the rest of Switchboard sees it. Everything here is already
 * checked and defaulted: consumers never re-validate or look at raw YAML.
 */
import type * as Schema from "effect/Schema";
import type { builtinParams } from "../../plugins/params.ts";

/** The whole file. */
export interface Config {
  /** `sqlite:PATH` (relative paths are relative to the working directory) or `postgres://…`. */
  storage: string;
  /** At least one bot; ids and tokens are unique. */
  bots: BotConfig[];
  /** The admin listener (`/metrics`, `/healthz`, `/readyz`); absent = not served. */
  admin?: AdminConfig;
  /** How log lines look and which are written; absent = text at info. */
  log?: LogConfig;
  /** How long analytics keep detail rows; absent = 90 days. */
  analytics?: AnalyticsConfig;
  /** OpenTelemetry traces of the pipeline; absent = off. */
  tracing?: TracingConfig;
}

/** The `tracing` key. */
export interface TracingConfig {
  /** The collector's OTLP/HTTP traces URL (YAML `otlp_endpoint`), e.g. `http://127.0.0.1:4318/v1/traces`. */
  otlpEndpoint: string;
  /** The traces' `service.name` (YAML `service_name`; default `switchboard`). */
  serviceName: string;
  /** The share of updates traced, 0 to 1 (YAML `sample_ratio`; default 1): the decision is taken when an update is accepted and its step and deliveries follow it. */
  sampleRatio: number;
}

/** The `analytics` key. */
export interface AnalyticsConfig {
  /** Days detail rows are kept before they are folded into per-day totals (YAML `retention_days`). */
  retentionDays: number;
}

/** The admin listener: metrics, health, and later the analytics page. */
export interface AdminConfig {
  /** Where it listens (default `127.0.0.1:8089`); a non-loopback host requires `token`. */
  listen: Listen;
  /** Required as `Authorization: Bearer TOKEN` or `?token=` on every route but `/healthz`, when set. */
  token?: string;
  /** `/readyz` is unready while an outbox row is older than this (YAML `ready_outbox_age`, seconds; default 300). */
  readyOutboxAgeSeconds: number;
  /**
   * Where people reach the listener, e.g. `https://switchboard.example.com` behind a reverse
   * proxy (YAML `public_url`; no trailing slash): the base of the analytics page's link that
   * `/stats` posts. Without it the link is `http://<listen host>:<port>`.
   */
  publicUrl?: string;
}

/** The `log` key. */
export interface LogConfig {
  /** `text` (one human-readable line) or `json` (one JSON object per line). */
  format: "text" | "json";
  /** The lowest level written. */
  level: "debug" | "info" | "warn" | "error";
}

/** A `host:port` to listen on. */
export interface Listen {
  host: string;
  port: number;
}

/** How Telegram delivers updates to a bot when `updates: webhook`. */
export interface WebhookConfig {
  /** The public URL given to `setWebhook`. */
  url: string;
  /** Where the local HTTP server listens (default `0.0.0.0:8443`); a reverse proxy may sit between. */
  listen: Listen;
  /** Sent by Telegram as `X-Telegram-Bot-Api-Secret-Token`; 1-256 of `A-Za-z0-9_-`. */
  secret?: string;
  /** The pathname of `url`, which the local server routes on. */
  path: string;
}

/** Parallel connection to a bot another system also drives. */
export type ParallelConfig =
  | { mode: "mtproto"; apiId: number; apiHash: string }
  | {
    mode: "proxy";
    listen: Listen;
    /** Hours a refused update is retried on the other system's webhook (YAML `webhook_retry_hours`); default 24. */
    webhookRetryHours?: number;
    /** Posts of one update before it is given up (YAML `webhook_max_attempts`); default unbounded. */
    webhookMaxAttempts?: number;
  };

/** One bot and the backend group it serves. */
export interface BotConfig {
  /** Stable id used in storage: 1-64 of `A-Za-z0-9_-`. */
  id: string;
  /** The Bot API token. */
  token: string;
  /** Bot API server root without trailing slash (YAML `api_root`; default `https://api.telegram.org`). */
  apiRoot: string;
  /** The backend forum supergroup's chat id (≤ -1000000000000). */
  group: number;
  /** How updates arrive; default `polling`. */
  updates: "polling" | "webhook";
  /** Present exactly when `updates` is `webhook` (with polling the section is ignored). */
  webhook?: WebhookConfig;
  /** Present when the bot is also driven by another system. */
  parallel?: ParallelConfig;
  /** Hotline parameters, all defaulted. */
  params: Params;
  /** Plugins in file order. */
  plugins: PluginRef[];
  /** Sending rates (YAML `limits`); Telegram's published limits unless set. */
  limits: RateLimits;
}

/** Sending rates; `null` switches one off. */
export interface RateLimits {
  globalPerSecond: number | null;
  groupPerMinute: number | null;
  privatePerSecond: number | null;
}

/** A plugin to load and the options to give its factory. */
export interface PluginRef {
  /** A package name, or an absolute file path (relative paths are resolved against the config file). */
  spec: string;
  /** The plugin's own options, unvalidated here (the plugin's schema checks them); `{}` when absent. */
  options: Record<string, unknown>;
}

/**
 * Hotline's parameters under their Hotline names, every one decoded and defaulted. Derived from
 * the built-in plugins' schemas (`plugins/params.ts`): each plugin declares the parameters it
 * owns, with their doc text (see also the parameter table in the README).
 */
export type Params = Schema.Schema.Type<Schema.Struct<typeof builtinParams>>;
