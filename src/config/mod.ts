/**
 * Switchboard's configuration: one YAML file, `${ENV}` interpolation for secrets, Hotline's
 * parameter names, and errors that name the key and the problem — all of them at once.
 *
 * ```ts
 * import { loadConfigFile, ConfigError, formatConfigError } from "./config/mod.ts";
 * try {
 *   const config = loadConfigFile("switchboard.yaml");
 * } catch (e) {
 *   if (e instanceof ConfigError) console.error(formatConfigError(e));
 * }
 * ```
 */
export type {
  BotConfig,
  Config,
  HiddenInfo,
  KeywordRule,
  Listen,
  ParallelConfig,
  Params,
  PluginRef,
  RateLimits,
  WebhookConfig,
  WebhookEvent,
} from "./types.ts";
export { type ConfigProblem, ConfigError, formatConfigError } from "./error.ts";
export { parseConfig } from "./parse.ts";
export { loadConfig, loadConfigFile } from "./load.ts";
export type { Env } from "./interpolate.ts";
export { matchesKeywords } from "./keywords.ts";
export { defaultParams, PARAM_NAMES } from "./params.ts";
export { TELEGRAM_LIMITS } from "./limits.ts";
export { ICON_COLORS } from "./icon-color.ts";
export { WEBHOOK_EVENTS } from "./webhooks-param.ts";
export {
  DEFAULT_API_ROOT,
  DEFAULT_AUTOCLOSE_HOURS,
  DEFAULT_IGNORE_CHATS,
  DEFAULT_STORAGE,
  DEFAULT_WEBHOOK_LISTEN,
  DEFAULT_WELCOME,
} from "./defaults.ts";
