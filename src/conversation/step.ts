/**
 * One pure step: (snapshot, event) → (snapshot, intents). No I/O, no clock; the caller commits
 * the result. Snapshots are stored as `{ value, context }`, which XState can resolve back into a
 * full snapshot for any version of the machine with the same state names.
 */
import { type AnyActorScope, type AnyMachineSnapshot, createActor, type ExecutableActionObject } from "xstate";
import type { ConversationEvent } from "./events.ts";
import { type Intent, intentTypes } from "./intents.ts";
import type { ConversationContext, ConversationInput, ConversationMachine } from "./machine.ts";

/** What a conversation row stores. */
export interface StoredSnapshot {
  value: unknown;
  context: ConversationContext;
}

/** The result of one step. */
export interface StepResult {
  snapshot: StoredSnapshot;
  /** Top-level state name, e.g. "topic-open", for the indexed `state` column. */
  state: string;
  /** "user_answered" | "support_answered" inside topic-open, otherwise undefined. */
  status: string | undefined;
  intents: Intent[];
}

/**
 * An inert actor scope per machine, made once. XState's own `transition()` builds a new actor
 * (and runs the machine's initial state) for every call — most of a step's cost. The scope only
 * collects the actions the machine would execute; steps are synchronous, so one scope serves
 * every step of the machine in turn.
 */
const scopes = new WeakMap<ConversationMachine, { scope: AnyActorScope; actions: ExecutableActionObject[] }>();

function scopeOf(machine: ConversationMachine) {
  let entry = scopes.get(machine);
  if (!entry) {
    const self = createActor(machine, { input: { chatId: 0, user: { id: 0, firstName: "" } } });
    const actions: ExecutableActionObject[] = [];
    const scope = {
      self, defer: () => {}, id: "", logger: () => {}, sessionId: "", stopChild: () => {}, system: self.system, emit: () => {},
      actionExecutor: (action: ExecutableActionObject) => void actions.push(action),
    } as unknown as AnyActorScope;
    entry = { scope, actions };
    scopes.set(machine, entry);
  }
  entry.actions.length = 0;
  return entry;
}

/**
 * A stored snapshot that a step of this process made, with the machine's own snapshot behind it:
 * the next step starts from that instead of resolving the stored value again (which rebuilds the
 * set of active state nodes, a large share of a step's time and allocations). It is what
 * `resolveState` would give: no children and no history, as a stored snapshot has neither.
 * Serialised, spread or compared, it is just `{ value, context }` (the private field is invisible).
 *
 * A private field, not a `WeakMap` from the stored snapshot: each `set` of a WeakMap with a new key
 * cost ~2.5 µs of CPU (its ephemeron table and the GC's work on it) on Node 20, twice per step.
 */
class Stepped implements StoredSnapshot {
  value: unknown;
  context: ConversationContext;
  readonly #resolved: AnyMachineSnapshot;

  constructor(value: unknown, context: ConversationContext, from: AnyMachineSnapshot) {
    this.value = value;
    this.context = context;
    this.#resolved = { ...from, context, children: {}, historyValue: {} } as AnyMachineSnapshot;
  }

  /** The machine's snapshot behind `stored`, if a step of this process made it. */
  static resolvedOf(stored: StoredSnapshot): AnyMachineSnapshot | undefined {
    return #resolved in stored ? (stored as Stepped).#resolved : undefined;
  }
}

/** `stored` with another context (the caller's additions to the machine's), still known resolved. */
export function withContext(stored: StoredSnapshot, context: ConversationContext): StoredSnapshot {
  const known = Stepped.resolvedOf(stored);
  return known ? new Stepped(stored.value, context, known) : { value: stored.value, context };
}

/** Runs one event through the machine, starting from `stored` or from the initial state. */
export function step(machine: ConversationMachine, stored: StoredSnapshot | undefined, input: ConversationInput, event: ConversationEvent): StepResult {
  const { scope, actions } = scopeOf(machine);
  const known = stored && Stepped.resolvedOf(stored);
  const start = known && known.machine === machine
    ? known
    : stored
    ? machine.resolveState({ value: stored.value as never, context: stored.context })
    : machine.getInitialSnapshot(scope, input);
  // The initial state's entry actions are not intents of this step: only the transition's are.
  actions.length = 0;
  const next = machine.transition(start, event, scope);
  const intents: Intent[] = [];
  for (const action of actions) {
    if (intentTypes.has(action.type as Intent["type"])) {
      intents.push({ type: action.type, ...((action.params ?? {}) as object) } as Intent);
    }
  }
  return { snapshot: new Stepped(next.value, next.context, next), state: stateOf(next.value), status: statusOf(next.value), intents };
}

/** The top-level state name of a snapshot value. */
export function stateOf(value: unknown): string {
  return typeof value === "string" ? value : Object.keys(value as object)[0];
}

/** The sub-status inside "topic-open" ("user_answered" | "support_answered"), else undefined. */
export function statusOf(value: unknown): string | undefined {
  return typeof value === "string" ? undefined : (value as Record<string, string>)[stateOf(value)];
}
