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
export type { AdminConfig, BotConfig, Config, LogConfig, Listen, ParallelConfig, Params, PluginRef, RateLimits, WebhookConfig } from "./types.ts";
export { type ConfigProblem, ConfigError, formatConfigError } from "./error.ts";
export { parseConfig } from "./parse.ts";
export { loadConfig, loadConfigFile } from "./load.ts";
export type { Env } from "./interpolate.ts";
export { defaultParams, PARAM_NAMES, ParamsSchema } from "./params.ts";
export { isLoopback } from "./admin.ts";
export { DEFAULT_ADMIN_LISTEN, DEFAULT_API_ROOT, DEFAULT_STORAGE, DEFAULT_WEBHOOK_LISTEN, TELEGRAM_LIMITS } from "./defaults.ts";
export { configJsonSchema, type PluginOptionsDoc } from "./document.ts";
// Declared by the built-in plugins that own them; re-exported for readers of the config.
export { DEFAULT_WELCOME } from "../../plugins/welcome/params.ts";
export { ICON_COLORS } from "../../plugins/icon-color/params.ts";
export { type KeywordRule, matchesKeywords } from "../../plugins/keyword-gate/rules.ts";
