/**
 * Which webhook events one step produced. Read from the step itself — the event, the states
 * before and after, and the intents the machine emitted — so a webhook reports what the
 * conversation did, not what was attempted: a user message that was gated or dropped is no
 * `message_received`, an operator message that stays a comment is no `message_sent`.
 */
import type { ConversationEvent, TransitionContext } from "../../src/mod.ts";
import { type EventFields, messageOf, personOf, type WebhookUser } from "./payload.ts";

/** One event to report, before it gets its id and common fields. */
export interface Occurrence {
  /** `dialog_created` … or `/command`. */
  event: string;
  fields: EventFields;
}

/** The operator behind an event, if one. */
function operatorOf(event: ConversationEvent): WebhookUser | undefined {
  const from = event.type === "operator.message" || event.type === "operator.command" || event.type === "operator.api_text" ? event.message.from : undefined;
  return from ? personOf(from) : undefined;
}

/** Why a dialog changed: the command, the plugin's reason (`autoclose`), or who wrote. */
function reasonOf(event: ConversationEvent): string {
  switch (event.type) {
    case "operator.command":
      return `/${event.command.name}`;
    case "dialog.close":
      return event.reason;
    case "user.message":
      return "user_message";
    case "operator.message":
      return "operator_message";
    default:
      return event.type;
  }
}

/**
 * The events of a step, in the order a receiver should see them: a dialog opens before the
 * message that opened it, a command comes before the close it caused.
 */
export function occurrencesOf(ctx: TransitionContext): Occurrence[] {
  const { event, intents } = ctx;
  const from = ctx.from?.state;
  const to = ctx.to.state;
  const operator = operatorOf(event);
  const by = operator ? { operator } : {};
  const out: Occurrence[] = [];
  // Only the machine creates a first topic (a deleted one is re-created by delivery, which is
  // the same dialog), so its createTopic intent marks a new dialog exactly.
  if (intents.some((i) => i.type === "createTopic")) out.push({ event: "dialog_created", fields: {} });
  if (from === "closed" && to === "topic-open") out.push({ event: "dialog_reopened", fields: { reason: reasonOf(event), ...by } });
  if (event.type === "user.message" && intents.some((i) => i.type === "copyToTopic")) {
    out.push({ event: "message_received", fields: { message: messageOf(event.message) } });
  }
  if (event.type === "operator.message" && intents.some((i) => i.type === "copyToUser")) {
    out.push({ event: "message_sent", fields: { message: messageOf(event.message), ...by } });
  }
  // A Topics API text (its message has a negative id: it is in no chat of its own).
  if (event.type === "operator.api_text" && intents.some((i) => i.type === "templateToUser")) {
    out.push({ event: "message_sent", fields: { message: messageOf(event.message), ...by } });
  }
  if (event.type === "bot.intercepted") out.push({ event: "message_intercepted", fields: { message: messageOf(event.message) } });
  if (event.type === "operator.command") {
    out.push({ event: `/${event.command.name}`, fields: { command: { ...event.command }, message: messageOf(event.message), ...by } });
  }
  // A ban closes the topic too; both end the open dialog.
  if (from === "topic-open" && (to === "closed" || to === "banned")) out.push({ event: "dialog_closed", fields: { reason: reasonOf(event), ...by } });
  return out;
}
