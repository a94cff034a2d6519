/**
 * Switchboard's public API — the only module plugin authors import from.
 *
 * ```ts
 * import { definePlugin } from "switchboard";
 * export default definePlugin({ name: "hello", create: () => ({ onEvent: () => {} }) });
 * ```
 */
export {
  type BotView,
  type CommandSpec,
  type ConversationView,
  definePlugin,
  type PluginEffect,
  type GateAnswer,
  type HookContext,
  type HookOutput,
  type OptionProblem,
  type Plugin,
  type PluginEnv,
  type PluginFactory,
  type PluginWrite,
  type TransitionContext,
} from "./plugins/api.ts";
export type { ConversationEvent, ParsedCommand, UserProfile } from "./conversation/events.ts";
export type { Intent } from "./conversation/intents.ts";
export type { KeywordRule, Params } from "./config/mod.ts";
export { matchesKeywords } from "./config/mod.ts";
export type { Logger } from "./util/log.ts";
export { backoff, delayBefore } from "./util/backoff-schedule.ts";
