/**
 * What one step means for analytics (issue 14): read from the step itself — the event, the states
 * before and after, the intents the machine emitted — like the webhooks plugin's events, so a
 * gated or dropped message counts as nothing. The rows commit with the step (commit.ts).
 *
 * A dialog's clock: `openedAt` is set when it opens (created or reopened); `answeredAt` when the
 * operators first answer it (right away when an operator opened it). The first answer records the
 * first response time, the close the resolution time; both live in the conversation's context
 * beside `waitingSince`, written by the stepper, never by the machine.
 */
import type { ConversationEvent } from "../conversation/events.ts";
import type { Intent } from "../conversation/intents.ts";
import type { AnalyticsEvent } from "../store/analytics.ts";
import type { OperatorName } from "../store/operator-names.ts";

/** The dialog clock kept in the conversation's context. */
export interface DialogClock {
  openedAt?: number;
  answeredAt?: number;
}

/** One step, as analytics see it. */
export interface StepFacts {
  chatId: number;
  event: ConversationEvent;
  from: { state: string; status: string | undefined } | undefined;
  to: { state: string; status: string | undefined };
  intents: readonly Intent[];
  clock: DialogClock;
  now: number;
}

/** The Topics API's pseudo-operator has id 0 (pipeline/api-updates.ts). */
const operatorId = (id: number): string => (id === 0 ? "api" : String(id));

/** Who caused a step: an operator (their id, or `api`), `user`, a plugin's reason (`autoclose`), or the plugin. */
function actorOf(event: ConversationEvent): string {
  switch (event.type) {
    case "operator.message":
    case "operator.command":
    case "operator.api_text":
      return event.message.from ? operatorId(event.message.from.id) : "";
    case "user.message":
      return "user";
    case "dialog.close":
      return event.reason;
    case "plugin.answered":
      return event.plugin;
    default:
      return "";
  }
}

const digitsOnly = /^\d+$/;

/** The name of the operator who caused a counted step (their Telegram name, else @username). */
function operatorNameOf(event: ConversationEvent, actor: string, events: readonly AnalyticsEvent[]): OperatorName | undefined {
  if (events.length === 0 || !digitsOnly.test(actor) || !("message" in event)) return undefined;
  const from = event.message.from;
  const name = [from?.first_name, from?.last_name].filter(Boolean).join(" ") || (from?.username ? `@${from.username}` : "");
  return name ? { actor, name } : undefined;
}

/**
 * The analytics rows of a step, the dialog clock after it, and the name of the operator the rows
 * name (when there is one).
 */
export function analyticsOfStep(f: StepFacts): { events: AnalyticsEvent[]; clock: DialogClock; operator?: OperatorName } {
  const { chatId, event, intents, now } = f;
  const from = f.from?.state;
  const to = f.to.state;
  const actor = actorOf(event);
  const events: AnalyticsEvent[] = [];
  // No spreads: an object literal that spreads is a runtime call per message on Node 20's V8.
  const add = (kind: AnalyticsEvent["kind"], who: string, value?: number) =>
    events.push(value === undefined ? { chatId, kind, actor: who, at: now } : { chatId, kind, actor: who, at: now, value });
  let clock = f.clock;

  const wasDialog = from === "topic-open" || from === "closed" || from === "banned";
  // The first topic of a conversation is the machine's createTopic (a lost topic's replacement is the same dialog).
  if (!wasDialog && intents.some((i) => i.type === "createTopic")) add("dialog_created", actor);
  else if (from === "closed" && to === "topic-open") add("dialog_reopened", actor);
  if (to === "topic-open" && from !== "topic-open") {
    // Opened by the operators (an answer, /hold, /wait): nothing to wait for but their own next step.
    clock = { openedAt: now, ...(actor === "user" ? {} : { answeredAt: now }) };
  }

  if (event.type === "user.message" && intents.some((i) => i.type === "copyToTopic")) add("message_in", "");
  const answered = (event.type === "operator.message" && intents.some((i) => i.type === "copyToUser"))
    || (event.type === "operator.api_text" && intents.some((i) => i.type === "templateToUser"));
  if (answered) add("message_out", actor);
  if (event.type === "bot.intercepted") add("message_intercepted", "");
  if ((answered || event.type === "plugin.answered") && to === "topic-open" && clock.openedAt !== undefined && clock.answeredAt === undefined) {
    add("first_response", actor, now - clock.openedAt);
    clock = { ...clock, answeredAt: now };
  }

  // A ban closes the topic too; both end the open dialog.
  if (from === "topic-open" && (to === "closed" || to === "banned")) {
    add("dialog_closed", actor);
    if (clock.openedAt !== undefined) add("resolution", actor, now - clock.openedAt);
    clock = {};
  }
  const operator = operatorNameOf(event, actor, events);
  return operator ? { events, clock, operator } : { events, clock };
}
