/**
 * The plugin API. A plugin is a factory (`definePlugin`) that turns validated options into a
 * plain object of hooks. Plugins never edit the conversation machine; they take part in a step
 * at two fixed points:
 *
 * 1. **Gates**, before the step: may this update be accepted at all, may it open (or reopen) a
 *    topic, may it be relayed, does a plugin handle this command? The answers ride on the event,
 *    and the machine's named guards read them, so the step itself stays pure and synchronous.
 * 2. **Reactions**, after the step: on entering/leaving a state, on any event, on a command, on a
 *    timer. They return intents (Telegram work for the outbox), effects (durable timers,
 *    per-conversation data, rows for the plugin's own tables) and follow-up events, all
 *    committed in the same transaction as the step.
 *
 * A plugin may also run background work for the bot's lifetime (`start`), e.g. a sender that
 * drains rows its `write` hook committed.
 *
 * Every hook may be async, or return an Effect that runs with the services of the plugins'
 * layers; each call is time-boxed and isolated: a hook that throws, fails or hangs is logged with
 * the bot, the conversation and the plugin, and the step goes on with the default.
 */
import type * as Fx from "effect/Effect";
import type * as Layer from "effect/Layer";
import type * as Schema from "effect/Schema";
import type { Kysely, Migration } from "kysely";
import type { Params } from "../config/types.ts";
import type { ConversationEvent, UserProfile } from "../conversation/events.ts";
import type { Intent } from "../conversation/intents.ts";
import type { TelegramClient } from "../telegram/client.ts";
import type { TelegramError } from "../telegram/errors.ts";
import type { DocumentUpload } from "../telegram/upload-document.ts";
import type { Logger } from "../util/log.ts";
import { decodeOptions, type OptionProblem } from "./options.ts";

export type { OptionProblem };

/** A conversation as plugins see it (read-only). */
export interface ConversationView {
  readonly chatId: number;
  /** Top-level state: "idle", "awaiting-keyword", "topic-open", "closed", "banned". */
  readonly state: string;
  /** Inside "topic-open": "user_answered" or "support_answered". */
  readonly status: string | undefined;
  readonly topicId: number | null;
  readonly user: UserProfile;
  /** True until the first step of this conversation has been committed. */
  readonly isNew: boolean;
  /** When the conversation started (ms since the epoch). */
  readonly firstContactAt: number;
  /** Plugins' own data for this conversation, by plugin name (see the `setData` effect). */
  readonly data: Readonly<Record<string, unknown>>;
}

/** The bot a hook runs for. */
export interface BotView {
  readonly id: string;
  readonly username: string;
  readonly groupId: number;
  readonly params: Params;
  /** The analytics page (`…/analytics`, without the admin token), when `admin` is configured. */
  readonly analyticsUrl?: string;
}

/** What every hook receives. */
export interface HookContext {
  readonly bot: BotView;
  readonly conversation: ConversationView;
  readonly event: ConversationEvent;
  /** Milliseconds since the epoch, from the runtime's (injectable) clock. */
  readonly now: number;
  readonly log: Logger;
}

/** A transition, for `onTransition`. */
export interface TransitionContext extends HookContext {
  readonly from: { state: string; status: string | undefined } | undefined;
  readonly to: { state: string; status: string | undefined };
  /** Intents the machine itself emitted in this step. */
  readonly intents: readonly Intent[];
}

/** Durable side effects that are not Telegram calls; committed with the step. */
export type PluginEffect =
  /**
   * `chatId`: only from a General-topic command, the conversation to set it on (a command there
   * belongs to no conversation; a timer is how it gets work done in many, e.g. retitling topics).
   */
  | { type: "setTimer"; kind: string; dueAt: number; chatId?: number }
  | { type: "clearTimer"; kind: string }
  /** Stores `value` under the plugin's name in the conversation (JSON; `undefined` deletes). */
  | { type: "setData"; plugin: string; value: unknown }
  /**
   * Hands `value` to the `write` hook of the plugin named `plugin`, inside the step's commit
   * transaction: a row of the plugin's own (an outbox of its own, e.g. webhooks to send) is then
   * durable exactly when the step is — never without it, never lost after it.
   */
  | { type: "write"; plugin: string; value: unknown }
  /**
   * Only from a General-topic command: steps the existing conversation `chatId` with `event`
   * in the same batch (e.g. `plugin.answered` to write to a user first). A chat Switchboard
   * never saw is skipped.
   */
  | { type: "step"; chatId: number; event: ConversationEvent };

/** One `write` effect, as the plugin's `write` hook receives it. */
export interface PluginWrite {
  /** The conversation whose step produced it. */
  readonly chatId: number;
  readonly value: unknown;
  /** The step's time (the runtime's Clock), e.g. to stamp the row. */
  readonly now: number;
}

/**
 * What a hook may return: the value, a promise of it, or an Effect producing it. An Effect may
 * require the services that any loaded plugin's `layer` provides.
 */
export type HookResult<T> = T | Promise<T> | Fx.Effect<T, unknown, any>;

/** What a reaction hook may return (or nothing). */
export interface HookOutput {
  intents?: Intent[];
  effects?: PluginEffect[];
  /** Events to run through the machine right after this one (e.g. close on autoclose). */
  events?: ConversationEvent[];
}

/** A gate answer: `false` closes the gate; `undefined`/`true` leaves it to others. */
export type GateAnswer = boolean | undefined | void;

/** An operator command a plugin provides. */
export interface CommandSpec {
  /** One line for `/help`, e.g. "/info — the user's card". */
  help: string;
  /** Where it may be used: in a user's topic, in General, or both. */
  where: "topic" | "general" | "both";
  /**
   * Provide the command only when no other plugin does (a command that exists to be reported
   * elsewhere, e.g. a webhook subscription, must not shadow a real one).
   */
  fallback?: boolean;
  /**
   * The longest `run` may take, in ms (default: the host's limit for every hook, 2 s). The step
   * of the command waits for it, so only a command that must read much (`/export`) declares more.
   * A General command that runs out is answered there with a warning; its result is dropped.
   */
  timeLimitMs?: number;
  run(ctx: HookContext & { args: string }): HookResult<HookOutput | void>;
}

/** A plugin instance: a name and the hooks it needs. */
export interface Plugin {
  readonly name: string;
  /** Gate: accept this event at all? (moderation lists, white lists) Rejected events are dropped. */
  accept?(ctx: HookContext): HookResult<GateAnswer>;
  /** Gate: may this user message open a topic, or reopen a closed one? (keyword gating) */
  mayOpen?(ctx: HookContext): HookResult<GateAnswer>;
  /** Gate: may a user message make the dialog open? `false` relays it into a closed topic (leave_closed). */
  mayReopen?(ctx: HookContext): HookResult<GateAnswer>;
  /** Gate: relay this message (user → topic or operator → user)? (restricted words, reply_only) */
  mayRelay?(ctx: HookContext): HookResult<GateAnswer>;
  /**
   * The name operators see for a user (titles, cards), e.g. an alias under `hide_info: [name]`.
   * Synchronous and pure: the machine calls it while building intents. First answer wins.
   */
  nameOf?(user: UserProfile, bot: BotView): string | undefined;
  /**
   * What this plugin adds to topic titles after the name (e.g. label tickers), from the
   * conversation's plugin data (`setData`). Synchronous and pure, like `nameOf`; every plugin's
   * answer is added, in plugin order.
   */
  titleSuffix?(data: Readonly<Record<string, unknown>>, bot: BotView): string | undefined;
  /** The icon colour of new topics (one of Telegram's six). First answer wins. */
  topicIconColor?(bot: BotView): number | undefined;
  /** On entering a top-level state ("topic-open", "closed", …), after the step. */
  onEnter?: Record<string, (ctx: TransitionContext) => HookResult<HookOutput | void>>;
  /** On leaving a top-level state, after the step. */
  onLeave?: Record<string, (ctx: TransitionContext) => HookResult<HookOutput | void>>;
  /** After a step that changed state or status. */
  onTransition?(ctx: TransitionContext): HookResult<HookOutput | void>;
  /** After every step, whatever happened. */
  onEvent?(ctx: TransitionContext): HookResult<HookOutput | void>;
  /** Operator commands by name (without the slash, lowercase). */
  commands?: Record<string, CommandSpec>;
  /**
   * Gate for an operator command that neither the core nor any plugin provides (in a topic or
   * in General): `true` leaves it to someone else, e.g. a helper bot in the group
   * (`custom_commands: false`), so Switchboard does not answer "Unknown command".
   */
  leavesUnknownCommand?(ctx: HookContext): HookResult<boolean | void>;
  /** Durable timers by kind, fired through the conversation's lane of steps. */
  timers?: Record<string, (ctx: HookContext) => HookResult<HookOutput | void>>;
  /**
   * Saves this plugin's `write` effects of one batch, in step order, inside the batch's commit
   * transaction: run queries on `tx` only. It runs under a savepoint, so a throw undoes only
   * this plugin's writes (logged) and the step still commits — unless they include a General
   * command's: its answer says what it wrote, so the commit fails and the batch's updates are
   * handled one by one. It is not time-boxed (it holds the
   * transaction): keep it to a few inserts.
   */
  write?(tx: Kysely<any>, writes: readonly PluginWrite[]): Promise<void>;
  /** After a commit that included this plugin's writes, e.g. to wake its background sender. */
  committed?(): void;
  /**
   * Background work for as long as the bot runs, e.g. draining the plugin's own queue. Started
   * once the bot is connected and its pipeline runs (never in `switchboard check`).
   *
   * - Return an Effect (and ignore `signal`): it runs as a fiber in the bot's scope, with the
   *   services of the plugins' layers, and is interrupted when the bot stops. Mark a step that
   *   must finish once begun (a small write) `Effect.uninterruptible`; the stop waits for it.
   * - Or return a promise: `signal` aborts when the bot stops, and the stop waits for the
   *   promise (a few seconds at most), so settle promptly.
   *
   * A failure (a throw, a rejection, a failed Effect) is logged and costs only this plugin's
   * background work, never the bot.
   */
  start?(signal: AbortSignal): Promise<void> | Fx.Effect<void, unknown, any>;
}

/**
 * Telegram for a plugin's background work that sends outside any conversation (broadcasts):
 * the bot's own client and its rate limiter, shared with relaying so both stay under Telegram's
 * limits together. Such sends are not durable by themselves: the plugin records what it sent.
 */
export interface BackgroundTelegram {
  /** The bot's Bot API client (typed errors, never exceptions). */
  readonly client: TelegramClient;
  /**
   * Milliseconds to wait before sending to `chatId` under the bot's limits (per chat and
   * overall); 0 means a slot was taken and the call may go now (then call `settled` when it is
   * answered). `now` is the Clock's. `overall: false` takes only the chat's token (paid
   * broadcasts have Telegram's higher limit); `count`: the messages the call makes (a copied
   * chain counts each). Background sends are owed a third of the bot's overall window: while one
   * waits below that share, relaying leaves it the room.
   */
  reserve(chatId: number, now: number, o?: { overall?: boolean; count?: number }): number;
  /** A call to `chatId` was answered at `now` (see the limiter's `settled`). */
  settled(chatId: number, now: number): void;
  /**
   * True while relaying has work in hand (a delivery lane is sending): background sends should
   * wait, so an operator's answer is never held up by more than one of them. Given the Clock's
   * `now`, false while the background has had less than its guaranteed share of the overall
   * window (a third), so constant relaying cannot hold a broadcast back for ever.
   */
  relayBusy(now?: number): boolean;
  /** A small file the bot can see (e.g. a document an operator posted), as UTF-8 text. */
  downloadText(fileId: string, maxBytes: number): Promise<string>;
  /** Sends generated text as a document (a CSV report); the message's id. */
  uploadDocument(upload: DocumentUpload): Fx.Effect<number, TelegramError>;
}

/** What a factory gets besides its options. */
export interface PluginEnv {
  readonly bot: BotView;
  readonly log: Logger;
  /** The `/help` lines of every loaded plugin and the core, for where a command is used. */
  commandHelp(where: "topic" | "general"): string[];
  /**
   * From background work (`start`): steps conversation `chatId` with the event
   * `{ type: "plugin.result", plugin: <this plugin>, kind, data }`, which the plugin's `onEvent`
   * turns into intents — so an outside answer reaches Telegram through the outbox, durably,
   * never by a direct API call. Resolves once the step is committed; rejects while the bot is
   * not running yet, or when the store fails. A chat Switchboard never saw is skipped.
   */
  report(chatId: number, kind: string, data: unknown): Promise<void>;
  /**
   * The title the core gives this conversation's topic (status square, name, every plugin's
   * `titleSuffix`), with `data` in place of the conversation's plugin data — for a plugin that
   * changes what its suffix shows and retitles the topic (`editTopic`). Undefined when the
   * conversation has no topic to title.
   */
  titleOf(conversation: ConversationView, data?: Readonly<Record<string, unknown>>): string | undefined;
  /**
   * From background work (`start`): Telegram, once the bot runs (undefined before, and in
   * `switchboard check`). See {@link BackgroundTelegram}.
   */
  telegram(): BackgroundTelegram | undefined;
  /**
   * The store, for the plugin's own tables (created by its `migrations`; name them after the
   * plugin). Absent in `switchboard check`, which loads plugins without a store.
   */
  readonly db?: Kysely<any>;
}

/** A plugin factory: validates its options, then builds the plugin. */
export interface PluginFactory<O = Record<string, unknown>> {
  readonly name: string;
  /** The options' schema when the plugin declared one (`switchboard schema` documents it). */
  readonly options?: Schema.Schema<O, any>;
  /** Checks raw options; returns the typed options or the problems found. */
  parseOptions(raw: Record<string, unknown>): { ok: true; options: O } | { ok: false; problems: OptionProblem[] };
  create(options: O, env: PluginEnv): Plugin;
  /**
   * The plugin's own schema migrations, by name (applied in name order). They are tracked in a
   * migration table of the plugin's own, so names never clash with the core's or other plugins'.
   */
  readonly migrations?: Record<string, Migration>;
  /** Effect services the plugin provides to every plugin's Effect-returning hooks. */
  readonly layer?: Layer.Layer<any, unknown, never>;
}

/**
 * Declares a plugin. Its options are declared with an `effect/Schema` (`options`), decoded when
 * the bot starts and by `switchboard check`, with the configuration's own messages
 * (`bots[0].plugins[1].options.open: expected a time like "09:00", got "9am"`). `parseOptions`,
 * a hand-written check, still works; give one or the other. Without either, the plugin takes no
 * options and any option given to it is reported as unknown.
 */
export function definePlugin<O = Record<string, never>>(spec: {
  name: string;
  /** The options' schema: decodes the raw `options` mapping into what `create` receives. */
  options?: Schema.Schema<O, any>;
  /** A hand-written alternative to `options` (kept for plugins written before schemas). */
  parseOptions?: PluginFactory<O>["parseOptions"];
  migrations?: Record<string, Migration>;
  layer?: Layer.Layer<any, unknown, never>;
  create(options: O, env: PluginEnv): Omit<Plugin, "name">;
}): PluginFactory<O> {
  const schema = spec.options;
  return {
    name: spec.name,
    ...(schema ? { options: schema } : {}),
    ...(spec.migrations ? { migrations: spec.migrations } : {}),
    ...(spec.layer ? { layer: spec.layer } : {}),
    parseOptions: (schema ? (raw: Record<string, unknown>) => decodeOptions(schema, raw) : undefined) ?? spec.parseOptions ??
      ((raw) => {
        const keys = Object.keys(raw);
        return keys.length === 0
          ? { ok: true, options: {} as O }
          : { ok: false, problems: keys.map((option) => ({ option, message: `unknown option (${spec.name} takes none)` })) };
      }),
    create: (options, env) => ({ name: spec.name, ...spec.create(options, env) }),
  };
}
