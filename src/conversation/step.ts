/**
 * One pure step: (snapshot, event) → (snapshot, intents). No I/O, no clock; the caller commits
 * the result. Snapshots are stored as `{ value, context }`, which XState can resolve back into a
 * full snapshot for any version of the machine with the same state names.
 */
import { initialTransition, transition } from "xstate";
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

/** Runs one event through the machine, starting from `stored` or from the initial state. */
export function step(machine: ConversationMachine, stored: StoredSnapshot | undefined, input: ConversationInput, event: ConversationEvent): StepResult {
  const start = stored
    ? machine.resolveState({ value: stored.value as never, context: stored.context })
    : initialTransition(machine, input)[0];
  const [next, actions] = transition(machine, start, event);
  const intents: Intent[] = [];
  for (const action of actions) {
    if (intentTypes.has(action.type as Intent["type"])) {
      intents.push({ type: action.type, ...((action.params ?? {}) as object) } as Intent);
    }
  }
  return { snapshot: { value: next.value, context: next.context }, state: stateOf(next.value), status: statusOf(next.value), intents };
}

/** The top-level state name of a snapshot value. */
export function stateOf(value: unknown): string {
  return typeof value === "string" ? value : Object.keys(value as object)[0];
}

/** The sub-status inside "topic-open" ("user_answered" | "support_answered"), else undefined. */
export function statusOf(value: unknown): string | undefined {
  return typeof value === "string" ? undefined : (value as Record<string, string>)[stateOf(value)];
}
