/**
 * Switchboard's public API — the only module plugin authors import from. The built-in plugins
 * (`plugins/`) import from here too, exactly as a deployer's plugin does.
 *
 * ```ts
 * import { Schema } from "effect";
 * import { definePlugin, param } from "switchboard";
 * export default definePlugin({
 *   name: "hello",
 *   options: Schema.Struct({ text: param(Schema.String, { default: "Hi!", description: "What to say" }) }),
 *   create: (options) => ({ onEvent: () => {} }),
 * });
 * ```
 *
 * This module must not import the config reader (`config/mod.ts`): the reader is built from the
 * built-in plugins' declarations, which import this module.
 */
export {
  type BackgroundTelegram,
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
export type { ChatKind, ConversationEvent, ParsedCommand, UserProfile } from "./conversation/events.ts";
export { conversationKindOf } from "./conversation/events.ts";
export type { Intent } from "./conversation/intents.ts";
export type { CopiedTemplate, DeclaredTemplate, TemplateButton, TemplateContent, TemplateMediaKind } from "./conversation/template.ts";
export type { Params } from "./config/types.ts";
export type { Logger } from "./util/log.ts";
export type { TelegramClient } from "./telegram/client.ts";
export type { TelegramError } from "./telegram/errors.ts";
export { sendTemplate } from "./pipeline/delivery/templates.ts";
export { SendWindow } from "./pipeline/send-window.ts";

/** "First Last", falling back to @username, then the id: how the core names a user. */
export { displayName } from "./conversation/title.ts";
/** A supergroup's id as `t.me/c/<id>/<topic>` links write it (the Bot API's `-100…` id without `-100`). */
export { linkGroupId } from "./telegram/group-link.ts";
/** Commands the core itself handles in a user's topic (`close`, `hold`, …); a plugin should not shadow them. */
export { coreCommands } from "./conversation/machine.ts";
/** The `private_keywords` rules and their test (the keyword-gate plugin's, for plugins that gate too). */
export { type KeywordRule, matchesKeywords } from "../plugins/keyword-gate/rules.ts";

// Declaring options and parameters: `effect/Schema` values that read YAML as leniently as Hotline
// does and refuse with one clear line. See docs/plugins.md.

/** A value schema from a decoding function and the JSON Schema of what may be written. */
export { lenient, type LenientSpec, refuse, Refused, type Refusal, type WrittenAs } from "./config/lenient.ts";
/** A mapping key with its default and doc text (absent or empty = the default). */
export { type KeyDoc, param } from "./config/param.ts";
/** Shared value schemas (flag, phrase, chat ids, one-or-many) and JSON Schema helpers. */
export { anyOf, ChatIds, ENV_REFERENCE, Flag, oneOrMany, orEnv, Phrase, wordsPattern, writtenAs } from "./config/values.ts";
/** Hotline's lenient spellings as plain functions, and how a found value is shown in a message. */
export { asFlag, asHttpUrl, asInteger, asNumber, asPhrase, describeValue, isMapping, isOff } from "./config/spellings.ts";
/** Portable column helpers for a plugin's own migrations (an auto-numbered id on every storage engine). */
export { idColumn, storageEngine } from "./plugins/migration-helpers.ts";
/** The runtime\'s backoff schedule, and the delay it gives a retry number (for retries kept in a row). */
export { backoff, delayBefore } from "./util/backoff-schedule.ts";

// The store, for plugins that read the runtime's records or set work aside the way it does.

/** The runtime's Kysely database (`HookContext.db`'s type), over SQLite or PostgreSQL. */
export type { Db } from "./store/schema.ts";
/** Sets rows aside as dead letters (shown on the admin page, counted in /health), as the runtime does. */
export { addDeadLetters, type DeadLetter, type StoredDeadLetter } from "./store/dead-letters.ts";
/** The analytics the runtime recorded in its commits: a period's summary and the dialogs unanswered now. */
export { type AnalyticsSummary, type Period, summarize, unansweredNow } from "./store/analytics.ts";
