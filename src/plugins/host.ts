/**
 * The plugin host of one bot: asks every plugin's gates before a step and collects every
 * plugin's reactions after it. Each hook call is isolated and time-boxed, so one broken plugin
 * costs its own contribution and a log line, never the update.
 */
import * as Effect from "effect/Effect";
import type * as ManagedRuntime from "effect/ManagedRuntime";
import * as Option from "effect/Option";
import type * as Scope from "effect/Scope";
import { type Kysely, sql } from "kysely";
import type { Logger } from "../util/log.ts";
import type { BackgroundTelegram, CommandSpec, HookContext, HookOutput, Plugin, PluginWrite, TransitionContext } from "./api.ts";
import type { ConversationEvent } from "../conversation/events.ts";
import { coreCommands } from "../conversation/machine.ts";
import { runBackground } from "./background.ts";

/** The gate decisions of all plugins for one event; the machine's guards read them. */
export interface Gates {
  accept: boolean;
  open: boolean;
  relay: boolean;
  reopen: boolean;
  /**
   * A plugin handles this operator command, or leaves an unknown one to someone else (so the
   * machine does not answer "unknown").
   */
  handled: boolean;
}

/** A `write` effect of a batch, with the plugin it is addressed to. */
export interface AddressedWrite extends PluginWrite {
  readonly plugin: string;
  /**
   * From a General command: its answer, committed with it, says what it wrote ("Renamed …"), so
   * the write must not be dropped while the answer goes out; see {@link PluginHost.write}.
   */
  readonly general?: boolean;
}

/**
 * A plugin's gates, read once when the host is made: the loop over them per message then reads
 * objects of one shape (the plugins are objects of ~20 shapes, so reading their hooks each time
 * was a megamorphic lookup per hook per plugin) and skips plugins without any.
 */
interface GateHooks {
  readonly plugin: Plugin;
  readonly accept: Plugin["accept"];
  readonly mayOpen: Plugin["mayOpen"];
  readonly mayRelay: Plugin["mayRelay"];
  readonly mayReopen: Plugin["mayReopen"];
}

/** A plugin's reactions to steps, read once (see {@link GateHooks}). */
interface ReactHooks {
  readonly plugin: Plugin;
  readonly onLeave: Plugin["onLeave"];
  readonly onEnter: Plugin["onEnter"];
  readonly onTransition: Plugin["onTransition"];
  readonly onEvent: Plugin["onEvent"];
}

/** An empty contribution. */
const nothing = (): Required<HookOutput> => ({ intents: [], effects: [], events: [] });

/** The commands the core machine implements, for `/help`. */
export const coreCommandHelp: readonly string[] = [
  "/close — close the dialog (the next user message reopens it)",
  "/hold — mark as waiting for the operators (🟪)",
  "/wait — mark as waiting for the user (🟨)",
  "/ban — ignore the user's messages until /unban",
  "/unban — lift a ban",
  "/ text — an internal comment, never sent to the user",
];

/** See the module comment. */
export class PluginHost {
  readonly plugins: readonly Plugin[];
  readonly #log: Logger;
  readonly #timeoutMs: number;
  readonly #runtime: ManagedRuntime.ManagedRuntime<any, unknown> | undefined;
  #dispatch: ((chatId: number, event: ConversationEvent) => Promise<void>) | undefined;
  #telegram: BackgroundTelegram | undefined;

  /** The plugins with a gate, with their gates (see {@link GateHooks}). */
  readonly #gaters: readonly GateHooks[];
  /** The plugins that react to steps, with their hooks. */
  readonly #reactors: readonly ReactHooks[];

  constructor(plugins: readonly Plugin[], log: Logger, timeoutMs = 2_000, runtime?: ManagedRuntime.ManagedRuntime<any, unknown>) {
    this.plugins = plugins;
    this.#log = log;
    this.#timeoutMs = timeoutMs;
    this.#runtime = runtime;
    this.#gaters = plugins.filter((p) => p.accept || p.mayOpen || p.mayRelay || p.mayReopen)
      .map((p) => ({ plugin: p, accept: p.accept, mayOpen: p.mayOpen, mayRelay: p.mayRelay, mayReopen: p.mayReopen }));
    this.#reactors = plugins.filter((p) => p.onLeave || p.onEnter || p.onTransition || p.onEvent)
      .map((p) => ({ plugin: p, onLeave: p.onLeave, onEnter: p.onEnter, onTransition: p.onTransition, onEvent: p.onEvent }));
  }

  /**
   * Every plugin's background work (`start`) as fibers forked into the caller's scope; returns
   * once they are forked. Closing the scope interrupts them and waits for them (a promise-based
   * `start` sees its signal abort, and is waited for a few seconds at most). A start that
   * fails is logged and costs only that plugin's background work.
   */
  readonly run: Effect.Effect<void, never, Scope.Scope> = Effect.suspend(() => runBackground(this.plugins, this.#log, this.#runtime));

  /** Connects `report` to the bot's stepper, once it runs (before the plugins' background work starts). */
  attach(dispatch: (chatId: number, event: ConversationEvent) => Promise<void>): void {
    this.#dispatch = dispatch;
  }

  /** Hands the plugins Telegram for their background work (see `PluginEnv.telegram`), before it starts. */
  attachTelegram(telegram: BackgroundTelegram): void {
    this.#telegram = telegram;
  }

  /** Telegram for background work, once attached. */
  get telegram(): BackgroundTelegram | undefined {
    return this.#telegram;
  }

  /** Steps a conversation with a plugin's event (see `PluginEnv.report`). */
  report(chatId: number, event: ConversationEvent): Promise<void> {
    return this.#dispatch ? this.#dispatch(chatId, event) : Promise.reject(new Error("the bot is not running"));
  }

  /** Releases the plugins' Effect services (their layers' finalizers run); after their background work stopped. */
  async dispose(): Promise<void> {
    await this.#runtime?.dispose();
  }

  /**
   * Hands a batch's `write` effects to their plugins, inside the commit transaction `tx`. Each
   * plugin writes under a savepoint: if it throws, only its rows are undone (and logged), so a
   * broken plugin never blocks the steps. Except when the writes include a General command's:
   * then the error fails the whole commit, so that command's answer never claims a change that
   * was undone, and the processor handles the batch's rows one by one (each command then reads
   * what the ones before it committed, e.g. a label a topic created meanwhile, and answers by
   * it). Returns the plugins whose writes went in.
   */
  async write(tx: Kysely<any>, writes: readonly AddressedWrite[]): Promise<Plugin[]> {
    const byPlugin = new Map<string, PluginWrite[]>();
    const fromGeneral = new Set<string>();
    for (const { plugin, chatId, value, now, general } of writes) {
      const list = byPlugin.get(plugin) ?? [];
      list.push({ chatId, value, now });
      byPlugin.set(plugin, list);
      if (general) fromGeneral.add(plugin);
    }
    const written: Plugin[] = [];
    for (const [name, list] of byPlugin) {
      const plugin = this.plugins.find((p) => p.name === name);
      if (!plugin?.write) {
        this.#log.error("write effects for a plugin without a write hook were dropped", { plugin: name, writes: list.length });
        continue;
      }
      await sql`savepoint plugin_write`.execute(tx);
      try {
        await plugin.write(tx, list);
        await sql`release savepoint plugin_write`.execute(tx);
        written.push(plugin);
      } catch (error) {
        await sql`rollback to savepoint plugin_write`.execute(tx);
        await sql`release savepoint plugin_write`.execute(tx);
        const message = error instanceof Error ? error.message : String(error);
        if (fromGeneral.has(name)) {
          this.#log.warn("plugin write of a General command failed; the commit fails and its updates are handled one by one", { plugin: name, writes: list.length, error: message });
          throw error;
        }
        this.#log.error("plugin write failed; its rows of this batch are dropped, the steps commit", { plugin: name, writes: list.length, error: message });
      }
    }
    return written;
  }

  /** Tells plugins that their writes are committed (see `write`). */
  committed(plugins: readonly Plugin[]): void {
    for (const plugin of plugins) {
      try {
        plugin.committed?.();
      } catch (error) {
        this.#log.error("plugin hook failed", { plugin: plugin.name, hook: "committed", error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  /**
   * Asks every gate; a plugin that fails or hangs leaves its gate open (default handling). The
   * answer is at hand when every gate answered at once (see {@link drive}).
   */
  gates(ctx: HookContext): Gates | Promise<Gates> {
    return drive(this.#gates(ctx));
  }

  *#gates(ctx: HookContext): Generator<unknown, Gates, any> {
    const gates: Gates = { accept: true, open: true, relay: true, reopen: true, handled: false };
    for (const g of this.#gaters) {
      const plugin = g.plugin;
      if (g.accept && ((yield this.#hook(plugin, "accept", ctx, g.accept, plugin))) === false) gates.accept = false;
      if (!gates.accept) return gates;
      if (g.mayOpen && ((yield this.#hook(plugin, "mayOpen", ctx, g.mayOpen, plugin))) === false) gates.open = false;
      if (g.mayRelay && ((yield this.#hook(plugin, "mayRelay", ctx, g.mayRelay, plugin))) === false) gates.relay = false;
      if (g.mayReopen && ((yield this.#hook(plugin, "mayReopen", ctx, g.mayReopen, plugin))) === false) gates.reopen = false;
    }
    if (ctx.event.type === "operator.command") {
      const name = ctx.event.command.name;
      gates.handled = this.commandOwner(name, "topic") !== undefined || (!(coreCommands as readonly string[]).includes(name) && (yield this.leavesUnknownCommand(ctx)) === true);
    }
    return gates;
  }

  /** True when a plugin leaves this unknown command to someone else (see `Plugin.leavesUnknownCommand`). */
  async leavesUnknownCommand(ctx: HookContext): Promise<boolean> {
    for (const plugin of this.plugins) {
      if (plugin.leavesUnknownCommand && (await this.#call(plugin, "leavesUnknownCommand", ctx, () => plugin.leavesUnknownCommand!(ctx))) === true) return true;
    }
    return false;
  }

  /** The plugin providing a command where it is used, if any; a `fallback` spec only when no other plugin has it. */
  commandOwner(name: string, where: "topic" | "general"): { plugin: Plugin; spec: CommandSpec } | undefined {
    let fallback: { plugin: Plugin; spec: CommandSpec } | undefined;
    for (const plugin of this.plugins) {
      const spec = Object.hasOwn(plugin.commands ?? {}, name) ? plugin.commands![name] : undefined;
      if (!spec || !(spec.where === where || spec.where === "both")) continue;
      if (!spec.fallback) return { plugin, spec };
      fallback ??= { plugin, spec };
    }
    return fallback;
  }

  /** Runs a General-topic command; undefined when no plugin has it there. */
  async generalCommand(ctx: HookContext, name: string, args: string): Promise<Required<HookOutput> | undefined> {
    const owner = this.commandOwner(name, "general");
    if (!owner) return undefined;
    // Running out of time must not be silent: the operator would wait for an answer forever.
    const tooLong = (): HookOutput => ({ intents: [{ type: "sendToGeneral", text: `⚠️ /${name} took too long and was stopped` }] });
    return merge(nothing(), await this.#call(owner.plugin, `/${name}`, ctx, () => owner.spec.run({ ...ctx, args }), { limitMs: owner.spec.timeLimitMs, timedOut: tooLong }));
  }

  /** Runs a plugin command; undefined when no plugin has it. */
  async command(ctx: HookContext, name: string, args: string): Promise<Required<HookOutput> | undefined> {
    const owner = this.commandOwner(name, "topic");
    if (!owner) return undefined;
    return merge(nothing(), await this.#call(owner.plugin, `/${name}`, ctx, () => owner.spec.run({ ...ctx, args }), { limitMs: owner.spec.timeLimitMs }));
  }

  /**
   * Collects `onEvent` from every plugin and `onTransition` when the state or status changed;
   * at hand when every hook answered at once (see {@link drive}).
   */
  react(ctx: TransitionContext): Required<HookOutput> | Promise<Required<HookOutput>> {
    return drive(this.#react(ctx));
  }

  *#react(ctx: TransitionContext): Generator<unknown, Required<HookOutput>, any> {
    const out = nothing();
    const changed = ctx.from?.state !== ctx.to.state || ctx.from?.status !== ctx.to.status;
    const moved = ctx.from?.state !== ctx.to.state;
    for (const r of this.#reactors) {
      const plugin = r.plugin;
      const leave = moved && ctx.from ? r.onLeave?.[ctx.from.state] : undefined;
      if (leave) merge(out, yield this.#hook(plugin, `onLeave ${ctx.from!.state}`, ctx, leave, undefined));
      const enter = moved ? r.onEnter?.[ctx.to.state] : undefined;
      if (enter) merge(out, yield this.#hook(plugin, `onEnter ${ctx.to.state}`, ctx, enter, undefined));
      if (changed && r.onTransition) merge(out, yield this.#hook(plugin, "onTransition", ctx, r.onTransition, plugin));
      if (r.onEvent) merge(out, yield this.#hook(plugin, "onEvent", ctx, r.onEvent, plugin));
    }
    return out;
  }

  /** Fires a durable timer of `kind` in whichever plugin declared it. */
  async timer(ctx: HookContext, kind: string): Promise<Required<HookOutput>> {
    const out = nothing();
    for (const plugin of this.plugins) {
      const handler = plugin.timers?.[kind];
      if (handler) merge(out, await this.#call(plugin, `timer ${kind}`, ctx, () => handler(ctx)));
    }
    return out;
  }

  /** The name operators see for a user: the first plugin's answer, else the user's own name. */
  nameOf(user: import("../conversation/events.ts").UserProfile, bot: import("./api.ts").BotView): string | undefined {
    for (const plugin of this.plugins) {
      if (!plugin.nameOf) continue;
      try {
        const name = plugin.nameOf(user, bot);
        if (name) return name;
      } catch (error) {
        this.#log.error("plugin hook failed; default handling continues", { plugin: plugin.name, hook: "nameOf", user: user.id, error: String(error) });
      }
    }
    return undefined;
  }

  /** Every plugin's title suffix for this plugin data, joined with spaces (undefined if none). */
  titleSuffix(data: Readonly<Record<string, unknown>>, bot: import("./api.ts").BotView): string | undefined {
    const parts: string[] = [];
    for (const plugin of this.plugins) {
      if (!plugin.titleSuffix) continue;
      try {
        const part = plugin.titleSuffix(data, bot);
        if (part) parts.push(part);
      } catch (error) {
        this.#log.error("plugin hook failed; default handling continues", { plugin: plugin.name, hook: "titleSuffix", error: String(error) });
      }
    }
    return parts.length > 0 ? parts.join(" ") : undefined;
  }

  /** The icon colour for new topics: the first plugin's answer, if any. */
  topicIconColor(bot: import("./api.ts").BotView): number | undefined {
    for (const plugin of this.plugins) {
      const color = plugin.topicIconColor?.(bot);
      if (color !== undefined) return color;
    }
    return undefined;
  }

  /** The `/help` lines: the core's commands, then every plugin's, where they apply. */
  help(where: "topic" | "general"): string[] {
    const lines = where === "topic" ? [...coreCommandHelp] : [];
    for (const plugin of this.plugins) {
      for (const [name, spec] of Object.entries(plugin.commands ?? {})) {
        if (this.commandOwner(name, where)?.spec === spec) lines.push(spec.help);
      }
    }
    return lines;
  }

  /** Runs a hook's Effect with the plugins' services (or none, when no plugin has a layer). */
  #runEffect<T>(effect: Effect.Effect<T, unknown, any>): Promise<T> {
    return this.#runtime ? this.#runtime.runPromise(effect) : Effect.runPromise(effect as Effect.Effect<T, unknown, never>);
  }

  /**
   * Runs one hook, isolated: a throw or failure is logged and counts as no answer. A hook that
   * answers at once (most do) costs nothing more; a promise or an Effect is time-boxed, because
   * only those can hang: after `limitMs` (default the host's) it counts as `timedOut()`, or no answer.
   */
  #call<T>(
    plugin: Plugin, hook: string, ctx: HookContext, run: () => T | Promise<T> | Effect.Effect<T, unknown, any>,
    o?: { limitMs?: number | undefined; timedOut?: () => T },
  ): T | undefined | Promise<T | undefined> {
    let value: T | Promise<T> | Effect.Effect<T, unknown, any>;
    try {
      value = run();
    } catch (error) {
      return this.#failed(plugin, hook, ctx, error);
    }
    return this.#settled(plugin, hook, ctx, value, o);
  }

  /**
   * {@link #call} of a gate or reaction, `hook` called on `self` with `ctx`: no closure per call
   * (these run for every hook of every message).
   */
  #hook<C extends HookContext, T>(plugin: Plugin, hook: string, ctx: C, fn: (ctx: C) => T | Promise<T> | Effect.Effect<T, unknown, any>, self: unknown): T | undefined | Promise<T | undefined> {
    let value: T | Promise<T> | Effect.Effect<T, unknown, any>;
    try {
      value = fn.call(self, ctx);
    } catch (error) {
      return this.#failed(plugin, hook, ctx, error);
    }
    return this.#settled(plugin, hook, ctx, value);
  }

  /** A hook's answer: as it is when at hand (nothing allocated), else time-boxed (see {@link #call}). */
  #settled<T>(
    plugin: Plugin, hook: string, ctx: HookContext, value: T | Promise<T> | Effect.Effect<T, unknown, any>,
    o?: { limitMs?: number | undefined; timedOut?: () => T },
  ): T | undefined | Promise<T | undefined> {
    if (!Effect.isEffect(value) && typeof (value as { then?: unknown } | null)?.then !== "function") return value as T;
    const limitMs = o?.limitMs ?? this.#timeoutMs;
    const boxed = (work: Promise<Option.Option<T>>) =>
      work.then((result) => {
        if (Option.isSome(result)) return result.value;
        this.#log.error("plugin hook timed out; default handling continues", { plugin: plugin.name, hook, chat: ctx.conversation.chatId, event: ctx.event.type, after_ms: limitMs });
        return o?.timedOut?.();
      }).catch((error: unknown) => this.#failed(plugin, hook, ctx, error));
    // An Effect is interrupted when its time is up; a promise cannot be, and is left to settle unheard.
    // A rejection becomes a defect, which rejects the promise: it is logged as a failure.
    if (Effect.isEffect(value)) return boxed(this.#runEffect(Effect.timeoutOption(value as Effect.Effect<T, unknown, any>, limitMs)));
    const work = Promise.resolve(value as Promise<T>);
    return boxed(Effect.runPromise(Effect.timeoutOption(Effect.promise(() => work), limitMs)));
  }

  /** A hook threw or failed: logged, and it counts as no answer. */
  #failed(plugin: Plugin, hook: string, ctx: HookContext, error: unknown): undefined {
    this.#log.error("plugin hook failed; default handling continues", { plugin: plugin.name, hook, chat: ctx.conversation.chatId, event: ctx.event.type, error: error instanceof Error ? error.message : String(error) });
    return undefined;
  }

}

/**
 * Runs `steps`, a generator that yields hook answers and gets each back settled: synchronously
 * while every answer is at hand, asynchronously from the first promise on. Hooks answer at once
 * nearly always, and an `await` per hook per message (a promise and a microtask each) was a
 * measurable share of a relayed message's allocations.
 */
function drive<T>(steps: Generator<unknown, T, any>): T | Promise<T> {
  let next = steps.next();
  while (!next.done) {
    if (next.value instanceof Promise) return finish(steps, next.value);
    next = steps.next(next.value);
  }
  return next.value;
}

async function finish<T>(steps: Generator<unknown, T, any>, pending: Promise<unknown>): Promise<T> {
  let next = steps.next(await pending);
  while (!next.done) next = steps.next(next.value instanceof Promise ? await next.value : next.value);
  return next.value;
}

function merge(into: Required<HookOutput>, more: HookOutput | void | undefined): Required<HookOutput> {
  if (more) {
    into.intents.push(...(more.intents ?? []));
    into.effects.push(...(more.effects ?? []));
    into.events.push(...(more.events ?? []));
  }
  return into;
}
