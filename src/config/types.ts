/**
 * The validated configuration, as the rest of Switchboard sees it. Everything here is already
 * checked and defaulted: consumers never re-validate or look at raw YAML.
 */

/** The whole file. */
export interface Config {
  /** `sqlite:PATH` (relative paths are relative to the working directory) or `postgres://…`. */
  storage: string;
  /** At least one bot; ids and tokens are unique. */
  bots: BotConfig[];
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
  | { mode: "proxy"; listen: Listen };

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
 * One `private_keywords` rule (case-insensitive substring tests): `any` matches a message
 * containing the phrase, `all` one containing every phrase, `not` one *not* containing the phrase.
 */
export type KeywordRule =
  | { kind: "any"; phrase: string }
  | { kind: "all"; phrases: string[] }
  | { kind: "not"; phrase: string };

/** Which parts of the user's identity `hide_info` hides. */
export type HiddenInfo = "name" | "title" | "link" | "command";

/** Dialog events a `webhooks` URL can subscribe to (besides any `/command`). */
export type WebhookEvent =
  | "dialog_created"
  | "dialog_reopened"
  | "dialog_closed"
  | "message_received"
  | "message_sent"
  | "message_intercepted";

/** Hotline's parameters, under their Hotline names (see the parameter table in PRODUCT.md). */
export interface Params {
  /** Greeting with `{title}` = the user's full name; `null` when `off`. */
  welcome: string | null;
  /** Hours in 🟨 before the dialog closes; `Infinity` when `off`/`0` (check `Number.isFinite` before scheduling). */
  autoclose: number;
  /** Post the info card when a topic is created. */
  auto_info: boolean;
  /** User ids allowed `/send`, `/mark`, `/export`; empty = every operator. */
  extensions_allowed: number[];
  /** Do not show users processing errors. */
  silent_mode: boolean;
  /** Chats whose messages are ignored; a given list replaces the default `[777000]`. */
  ignore_chats: number[];
  /** When non-empty, only these chats are accepted. */
  white_list: number[];
  /** What to hide about users (no duplicates). */
  hide_info: HiddenInfo[];
  /** Only explicit replies go to the user. */
  reply_only: boolean;
  /** Gating rules; empty = no gating. A message passes if any rule matches. */
  private_keywords: KeywordRule[];
  /** Closed dialogs stay closed; new topics are created closed without a welcome. */
  leave_closed: boolean;
  /** User messages containing any of these (case-insensitive) are not relayed. */
  restricted_keywords_frontend: string[];
  /** In parallel mode, show the other system's outgoing messages in the topic. */
  intercept: boolean;
  /** Topic icon colour, one of Telegram's six (see `ICON_COLORS`); `null` for Telegram's default. */
  icon_color: number | null;
  /** URL → events (`dialog_created`, … or `/command`) posted to it. */
  webhooks: Record<string, string[]>;
}
