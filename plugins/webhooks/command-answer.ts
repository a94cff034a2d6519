/**
 * What the topic learns from a command webhook (an operator's `/invoice` subscribed in
 * `webhooks`): the endpoint's answer as a message, or a short notice when it did not answer,
 * refused, or answered something that cannot be shown. Worked out in the background sender, then
 * reported into the conversation (`PluginEnv.report`), whose step queues the message in the
 * outbox like any other intent: durable, in order with the dialog, never a direct API call.
 */
import type { Intent } from "../../src/mod.ts";
import { type AnswerMessage, readAnswer } from "./answer.ts";
import type { PostOutcome } from "./post.ts";
import type { QueueRow } from "./queue.ts";

/** The `kind` of the plugin's reports: the `sendToTopic` to queue. */
export const answerKind = "command-answer";

/** What is reported for one try of a command webhook; undefined when the topic hears nothing. */
export function topicMessageFor(row: QueueRow, attempt: number, outcome: PostOutcome): AnswerMessage | undefined {
  const command = row.event;
  switch (outcome.kind) {
    case "delivered": {
      const answer = readAnswer(outcome.body);
      if (answer.kind === "message") return answer.message;
      if (answer.kind === "invalid") return { text: `⚠️ ${command}: the webhook's answer cannot be shown: ${answer.reason}.` };
      return undefined;
    }
    case "rejected":
      return { text: `⚠️ ${command}: the webhook refused the command (${outcome.reason}).` };
    case "retry":
      // Said once: later tries go on quietly, and an answer that comes later is still posted.
      return attempt === 1
        ? { text: `⚠️ ${command}: no answer from the webhook (${outcome.reason}). It is tried again; an answer that comes later appears here.` }
        : undefined;
  }
}

/** The chat of the dialog a queued event is about (from its frozen body). */
export function chatOf(row: QueueRow): number | undefined {
  const chat = (JSON.parse(row.body) as { dialog?: { chat_id?: unknown } }).dialog?.chat_id;
  return typeof chat === "number" ? chat : undefined;
}

/** The intent a reported answer becomes in the step. */
export function answerIntent(message: AnswerMessage): Intent {
  return { type: "sendToTopic", ...message };
}
