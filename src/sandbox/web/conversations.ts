/**
 * The state panel's model: each conversation's current state and its last transitions, fed by
 * `stepper.onTransition`. It outlives bot restarts (Apply), like the store it mirrors.
 */
import type { RunningBot } from "../../pipeline/bot.ts";
import { type ConversationView, TRANSITIONS_KEPT } from "./types.ts";

/** See the module comment. */
export class ConversationBoard {
  readonly #views = new Map<number, ConversationView>();
  readonly #onChange: (view: ConversationView) => void;

  constructor(onChange: (view: ConversationView) => void) {
    this.#onChange = onChange;
  }

  /** Every conversation seen so far. */
  all(): ConversationView[] {
    return [...this.#views.values()];
  }

  /** The conversation of a user, if any. */
  get(chatId: number): ConversationView | undefined {
    return this.#views.get(chatId);
  }

  /** Follows a (re)started bot; returns the unsubscribe function. */
  watch(bot: RunningBot): () => void {
    return bot.stepper.onTransition((t) => {
      const view = this.#views.get(t.chatId) ?? { chatId: t.chatId, state: t.to, status: t.status, topicId: null, transitions: [] };
      view.state = t.to;
      view.status = t.status;
      view.transitions = [...view.transitions, { at: Date.now(), event: t.event, from: t.from, to: t.to, status: t.status, intents: t.intents }].slice(-TRANSITIONS_KEPT);
      this.#views.set(t.chatId, view);
      // The topic id lives in the snapshot; the stepper has it cached right after the step.
      bot.conversation(t.chatId).then(
        (row) => {
          view.topicId = row?.topicId ?? null;
          this.#onChange(view);
        },
        () => this.#onChange(view),
      );
    });
  }
}
