/**
 * The steps of one bot's conversations, as plain async code around the pure machine (plugins'
 * hooks are async): hydrate the conversation (an LRU of recent snapshots first), ask the
 * plugins' gates, step the machine, collect the plugins' reactions, and commit the whole batch
 * — snapshots, intents, timers, plugin rows and inbox marks — in one transaction. The `Stepper`
 * service (stepper.ts) runs these one batch at a time.
 */
import type { Message } from "@grammyjs/types";
import type { ConversationEvent, EventGates, ParsedCommand, UserProfile } from "../conversation/events.ts";
import type { Intent } from "../conversation/intents.ts";
import type { ConversationMachine } from "../conversation/machine.ts";
import { step, statusOf, type StoredSnapshot, withContext } from "../conversation/step.ts";
import type { BotView, ConversationView, HookContext, Plugin, PluginEffect } from "../plugins/api.ts";
import type { AddressedWrite, PluginHost } from "../plugins/host.ts";
import { chatOfTopic, loadConversation, type ConversationRow as StoredRow } from "../store/conversations.ts";
import type { Db } from "../store/open.ts";
import { removeIntents } from "../store/outbox.ts";
import { forgetTopicRequests, topicRequestNamed, topicRequestsInFlight } from "../store/topic-requests.ts";
import type { Logger } from "../util/log.ts";
import { commitBatch, type ConversationChange } from "./commit.ts";
import { OutboxWrite } from "./outbox-mirror.ts";
import { analyticsOfStep } from "./step-analytics.ts";

/** A conversation row with this machine's snapshot. */
export type ConversationRow = StoredRow<StoredSnapshot>;

/** One event for one conversation, optionally caused by an inbox update. */
export type Envelope = ConversationEnvelope | GeneralEnvelope | TopicCreatedEnvelope;

/** An event for the conversation with `chatId`. */
export interface ConversationEnvelope {
  chatId: number;
  event: ConversationEvent;
  general?: undefined;
  topicCreated?: undefined;
  /** Needed to start a conversation never seen before. */
  user?: UserProfile;
  updateId?: number;
}

/** An operator command in the General topic; `chatId` is the group (its lane). */
export interface GeneralEnvelope {
  chatId: number;
  general: { command: ParsedCommand; message: Message };
  event?: undefined;
  topicCreated?: undefined;
  user?: undefined;
  updateId?: number;
}

/** The service message of a topic this bot created; `chatId` is the group (its lane). */
export interface TopicCreatedEnvelope {
  chatId: number;
  topicCreated: { topicId: number; name: string };
  event?: undefined;
  general?: undefined;
  user?: undefined;
  updateId?: number;
}

/** What a batch produced, per conversation. */
export interface Applied {
  chatId: number;
  intents: Intent[];
  state: string;
}

/** Observer for transitions (logs, the sandbox's state panel, tests). */
export type TransitionListener = (t: { chatId: number; event: ConversationEvent["type"]; from: string | undefined; to: string; status: string | undefined; intents: Intent["type"][] }) => void;

/** What a stepper is made of. */
export interface StepperOptions {
  db: Db;
  bot: BotView;
  machine: ConversationMachine;
  plugins: PluginHost;
  log: Logger;
  cacheSize?: number;
}

/** Follow-up events (a plugin closing a dialog, say) may chain, but never loop forever. */
const maxFollowUps = 4;

/** See the module comment. */
export class ConversationSteps {
  readonly #cache = new Map<number, ConversationRow>();
  readonly #chatOfTopic = new Map<number, number>();
  readonly #listeners = new Set<TransitionListener>();
  readonly #o: Required<StepperOptions>;

  constructor(options: StepperOptions) {
    this.#o = { cacheSize: 2_000, ...options };
  }

  onTransition(listener: TransitionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get cached(): number {
    return this.#cache.size;
  }

  /** The row if it is in memory (the common case right after a step), else undefined. */
  cachedRow(chatId: number): ConversationRow | undefined {
    return this.#cache.get(chatId);
  }

  rowOf(chatId: number): Promise<ConversationRow | undefined> {
    return this.#hydrate(chatId);
  }

  /**
   * Steps and commits a batch; `setTimers` tells whether it set any timer, `adopted` lists the
   * conversations that adopted a topic (their lanes may be waiting for it). What the commit does
   * to the outbox (`alsoCommit`'s writes included) is recorded in `outbox`.
   */
  async apply(
    envelopes: readonly Envelope[],
    dropped: readonly number[],
    now: number,
    alsoCommit?: (tx: Db, outbox: OutboxWrite<Intent>) => Promise<void>,
    outbox: OutboxWrite<Intent> = new OutboxWrite(),
  ): Promise<{ applied: Applied[]; setTimers: boolean; adopted: number[] }> {
    const batch: Batch = { now, working: new Map(), changes: new Map(), loose: [], writes: [], applied: [], transitions: [], adopted: [] };
    for (const envelope of envelopes) {
      if (envelope.general) {
        await this.#general(batch, envelope);
        continue;
      }
      if (envelope.topicCreated) {
        await this.#topicCreated(batch, envelope);
        continue;
      }
      // From memory without an await when cached (nearly always in a burst).
      const current = batch.working.get(envelope.chatId) ?? this.#cache.get(envelope.chatId) ?? (await this.#hydrate(envelope.chatId));
      if (!current && !envelope.user) continue; // nothing to do for an unknown user (e.g. a block before any message)
      await this.#stepOne(batch, envelope.chatId, current, envelope.user ?? current!.snapshot.context.user, envelope.event, 0);
    }
    const processed: number[] = [];
    for (const e of envelopes) if (e.updateId !== undefined) processed.push(e.updateId);
    processed.push(...dropped);
    // Plugins' own rows (`write` effects) go into the same transaction; they are told after it.
    let written: Plugin[] = [];
    const adoptions = batch.adopted.map((a) => a.outboxId);
    const writePlugins = batch.writes.length === 0 && !alsoCommit && adoptions.length === 0 ? undefined : async (tx: Db) => {
      await alsoCommit?.(tx, outbox);
      // An adopted creation is settled: its row and its request go with the topic's commit.
      await removeIntents(tx, adoptions);
      outbox.removed.push(...adoptions);
      await forgetTopicRequests(tx, this.#o.bot.id, adoptions);
      if (batch.writes.length > 0) written = await this.#o.plugins.write(tx, batch.writes);
    };
    try {
      await commitBatch(this.#o.db, this.#o.bot.id, [...batch.changes.values()], processed, batch.now, batch.loose, writePlugins, outbox);
    } catch (error) {
      // The cache may hold nothing the store does not: drop what this batch touched.
      for (const chatId of batch.working.keys()) this.#cache.delete(chatId);
      throw error;
    }
    for (const [chatId, row] of batch.working) this.#remember(chatId, row);
    this.#o.plugins.committed(written);
    for (const t of batch.transitions) for (const listener of this.#listeners) listener(t);
    const setsTimer = (c: { effects?: readonly PluginEffect[] }) => c.effects !== undefined && c.effects.some((e) => e.type === "setTimer");
    let setTimers = batch.loose.some(setsTimer);
    for (const change of batch.changes.values()) setTimers ||= setsTimer(change);
    // Common and harmless when the service message overtakes the creation's own answer.
    for (const a of batch.adopted) this.#o.log.debug("topic recorded from its service message", { chat: a.chatId, topic: a.topicId });
    return { applied: batch.applied, setTimers, adopted: batch.adopted.map((a) => a.chatId) };
  }

  async #stepOne(batch: Batch, chatId: number, current: ConversationRow | undefined, user: UserProfile, event: ConversationEvent, depth: number): Promise<void> {
    const o = this.#o;
    const from = current && { state: current.state, status: statusOf(current.snapshot.value) };
    const context = current?.snapshot.context;
    const view: ConversationView = {
      chatId, user, isNew: !current,
      state: from?.state ?? "idle", status: from?.status, topicId: current?.topicId ?? null,
      firstContactAt: context?.firstContactAt ?? batch.now, data: context?.data ?? {},
    };
    const ctx: HookContext = { bot: o.bot, conversation: view, event, now: batch.now, log: o.log };
    // Hooks nearly always answer at once: no await (a promise and a microtask) unless one did not.
    const gatesNow = o.plugins.gates(ctx);
    const gates = gatesNow instanceof Promise ? await gatesNow : gatesNow;
    if (!gates.accept) return;
    const gated = "gates" in event || event.type === "user.message" || event.type === "operator.message" || event.type === "operator.command"
      ? withGates(event, { open: gates.open, relay: gates.relay, reopen: gates.reopen, handled: gates.handled })
      : event;
    const command = event.type === "operator.command" && gates.handled ? await o.plugins.command(ctx, event.command.name, event.command.args) : undefined;
    const timer = event.type === "timer" ? await o.plugins.timer(ctx, event.kind) : undefined;

    const result = step(o.machine, current?.snapshot, { chatId, user }, gated);
    // Spelled out, not `{ ...ctx, from, … }`: see `withGates`.
    const reactionsNow = o.plugins.react({
      bot: o.bot, event: gated, now: batch.now, log: o.log, from, to: { state: result.state, status: result.status }, intents: result.intents,
      conversation: { ...view, state: result.state, status: result.status, topicId: result.snapshot.context.topicId },
    });
    const reactions = reactionsNow instanceof Promise ? await reactionsNow : reactionsNow;
    const intents = command || timer || reactions.intents.length > 0 ? [...result.intents, ...(command?.intents ?? []), ...(timer?.intents ?? []), ...reactions.intents] : result.intents;
    const effects = [...(event.type === "timer" ? [{ type: "clearTimer" as const, kind: event.kind }] : []), ...(command?.effects ?? []), ...(timer?.effects ?? []), ...reactions.effects];
    // Plugin data and the first-contact time live beside the machine's own context.
    const data = { ...view.data };
    for (const effect of effects) {
      if (effect.type === "write") batch.writes.push({ plugin: effect.plugin, chatId, value: effect.value, now: batch.now });
      if (effect.type !== "setData") continue;
      if (effect.value === undefined) delete data[effect.plugin];
      else data[effect.plugin] = effect.value;
    }
    // A dialog waits from the step that made it 🟪 until it is answered or closed (the Topics API's wait time).
    const waiting = result.state === "topic-open" && result.status === "user_answered";
    const wasWaiting = from?.state === "topic-open" && from.status === "user_answered";
    const waitingSince = waiting ? (wasWaiting ? context?.waitingSince : batch.now) : undefined;
    const to = { state: result.state, status: result.status };
    const analytics = analyticsOfStep({ chatId, event: gated, from, to, intents, clock: { openedAt: context?.openedAt, answeredAt: context?.answeredAt }, now: batch.now });
    const { openedAt, answeredAt } = analytics.clock;
    const snapshot = withContext(result.snapshot, Object.assign({}, result.snapshot.context, { firstContactAt: view.firstContactAt, waitingSince, openedAt, answeredAt, data }));
    const row: ConversationRow = { chatId, topicId: snapshot.context.topicId, state: result.state, snapshot };

    batch.working.set(chatId, row);
    const change = batch.changes.get(chatId) ?? { row, intents: [], effects: [], analytics: [] };
    change.row = row;
    change.intents.push(...intents);
    change.effects.push(...effects);
    change.analytics.push(...analytics.events);
    if (analytics.operator) (change.operators ??= []).push(analytics.operator);
    batch.changes.set(chatId, change);
    batch.applied.push({ chatId, intents, state: result.state });
    // Only the sandbox listens: nothing is built for nobody.
    if (this.#listeners.size > 0) batch.transitions.push({ chatId, event: event.type, from: from?.state, to: result.state, status: result.status, intents: intents.map((i) => i.type) });

    const followUps = [...(command?.events ?? []), ...(timer?.events ?? []), ...reactions.events];
    if (depth >= maxFollowUps) {
      if (followUps.length > 0) o.log.warn("plugin follow-up events dropped: too deep a chain", { chat: chatId, events: followUps.map((e) => e.type).join(",") });
      return;
    }
    for (const next of followUps) await this.#stepOne(batch, chatId, batch.working.get(chatId), user, next, depth + 1);
  }

  /** A General-topic command: answered by the plugin that has it, in General; not a conversation. */
  async #general(batch: Batch, envelope: GeneralEnvelope): Promise<void> {
    const o = this.#o;
    const { command, message } = envelope.general;
    const from = message.from!;
    const user: UserProfile = { id: from.id, firstName: from.first_name, ...(from.last_name ? { lastName: from.last_name } : {}) };
    const event: ConversationEvent = { type: "operator.command", command, message };
    // In General, the "conversation" is the group itself and the user is the operator.
    const view: ConversationView = { chatId: envelope.chatId, user, isNew: false, state: "general", status: undefined, topicId: null, firstContactAt: batch.now, data: {} };
    const out = await o.plugins.generalCommand({ bot: o.bot, conversation: view, event, now: batch.now, log: o.log }, command.name, command.args);
    // custom_commands: false leaves unknown commands to a helper bot in the group: no answer.
    const unknown = out === undefined && !(await o.plugins.leavesUnknownCommand({ bot: o.bot, conversation: view, event, now: batch.now, log: o.log }));
    const intents = out?.intents ?? (unknown ? [{ type: "sendToGeneral" as const, text: `Unknown command /${command.name}. /help lists the commands.` }] : []);
    batch.loose.push({ chatId: envelope.chatId, intents });
    for (const effect of out?.effects ?? []) {
      // Timers it sets on conversations (its way to get work done in them, e.g. retitling).
      if (effect.type === "setTimer" && effect.chatId !== undefined) batch.loose.push({ chatId: effect.chatId, intents: [], effects: [effect] });
      // Its rows commit with its answer and the update's inbox mark: a crash between cannot
      // keep the change without the answer, nor make a replay change it twice.
      if (effect.type === "write") batch.writes.push({ plugin: effect.plugin, chatId: envelope.chatId, value: effect.value, now: batch.now, general: true });
    }
    batch.applied.push({ chatId: envelope.chatId, intents, state: "general" });
    // Steps it asks for in conversations (/new): in this batch, so they commit with its answer.
    // Batches run one at a time, so the conversation's own lane cannot step it meanwhile.
    for (const effect of out?.effects ?? []) {
      if (effect.type !== "step") continue;
      const current = batch.working.get(effect.chatId) ?? (await this.#hydrate(effect.chatId));
      if (current) await this.#stepOne(batch, effect.chatId, current, current.snapshot.context.user, effect.event, 1);
    }
  }

  /**
   * The service message of a topic this bot created. Usually its creation's answer is recorded
   * already (or soon will be, with the same topic). If not, a creation of that title in flight
   * is in doubt — its answer was lost, or the process died before recording it — and the topic
   * is adopted as if the answer had arrived, so no retry makes a second one. A topic no creation
   * can claim is deleted, once none of the creations in flight now is being sent (one whose
   * answer is on its way may yet record it: Telegram could have changed the title a little).
   */
  async #topicCreated(batch: Batch, envelope: TopicCreatedEnvelope): Promise<void> {
    const o = this.#o;
    const { topicId, name } = envelope.topicCreated;
    if ((await chatOfTopic(o.db, o.bot.id, topicId)) !== undefined) return;
    const request = await topicRequestNamed(o.db, o.bot.id, name);
    const current = request && (batch.working.get(request.chatId) ?? (await this.#hydrate(request.chatId)));
    if (request && current) {
      await this.#stepOne(batch, request.chatId, current, current.snapshot.context.user, { type: "topic.created", topicId }, 0);
      batch.adopted.push({ chatId: request.chatId, outboxId: request.outboxId, topicId });
      return;
    }
    const inFlight = await topicRequestsInFlight(o.db, o.bot.id);
    const intents: Intent[] = [{ type: "deleteTopic", topicId, ...(inFlight.length > 0 ? { unlessClaimedBy: inFlight } : {}) }];
    o.log.info("a topic the bot created belongs to no conversation; deleting it", { topic: topicId, name, creations_in_flight: inFlight.length });
    batch.loose.push({ chatId: envelope.chatId, intents });
    batch.applied.push({ chatId: envelope.chatId, intents, state: "general" });
  }

  async #hydrate(chatId: number): Promise<ConversationRow | undefined> {
    const cached = this.#cache.get(chatId);
    if (cached) return cached;
    return loadConversation<StoredSnapshot>(this.#o.db, this.#o.bot.id, chatId);
  }

  #remember(chatId: number, row: ConversationRow): void {
    // Map keeps insertion order: delete + set moves the entry to the young end.
    this.#cache.delete(chatId);
    this.#cache.set(chatId, row);
    while (this.#cache.size > this.#o.cacheSize) this.#cache.delete(this.#cache.keys().next().value!);
    if (row.topicId !== null && this.#chatOfTopic.get(row.topicId) !== chatId) {
      this.#chatOfTopic.set(row.topicId, chatId);
      while (this.#chatOfTopic.size > this.#o.cacheSize) this.#chatOfTopic.delete(this.#chatOfTopic.keys().next().value!);
    }
  }

  /**
   * The chat whose topic this is, if a recent step saw it (operators answer in topics of active
   * conversations: the router then needs no query). Topic ids are never reused, so an entry never
   * turns wrong; a miss just means asking the store.
   */
  chatOfTopic(topicId: number): number | undefined {
    return this.#chatOfTopic.get(topicId);
  }
}

/**
 * `event` with its gates. Not `{ ...event, gates }`: on Node 20 (V8 11.3) a literal that adds a
 * key after a spread costs ~1–5 µs (a runtime call each time, where overriding a key the spread
 * copied, or a key before the spread, costs ~50 ns) — several per message on the step path. The
 * key goes first unless the event has gates already (then it overrides them, as before).
 */
function withGates(event: ConversationEvent, gates: EventGates): ConversationEvent {
  return ("gates" in event ? { ...event, gates } : { gates, ...event }) as ConversationEvent;
}

interface Batch {
  now: number;
  working: Map<number, ConversationRow>;
  changes: Map<number, ConversationChange>;
  /** Intents that belong to no conversation (General-topic answers), by lane; timers General commands set on conversations. */
  loose: { chatId: number; intents: Intent[]; effects?: PluginEffect[] }[];
  /** The plugins' `write` effects, in step order, for their `write` hooks in the commit. */
  writes: AddressedWrite[];
  applied: Applied[];
  transitions: Parameters<TransitionListener>[0][];
  /** Creations in doubt whose topic arrived as a service message (see `#topicCreated`). */
  adopted: { chatId: number; outboxId: number; topicId: number }[];
}
