/**
 * The failure table: for every Telegram failure of an intent, whether it is retried, repaired
 * (topic lost or closed) or dropped with a notice — the "what happens when" PRODUCT.md promises.
 */
import type { ChatRole, Intent } from "../../conversation/intents.ts";
import { placeOf, targetChatOf } from "../../conversation/intents.ts";
import type { TelegramError } from "../../telegram/errors.ts";
import type { ExecuteContext, Outcome } from "./execute.ts";

const userBound = (intent: Intent) => placeOf(intent) === "user";
const done: Outcome = { kind: "done", pairs: [], events: [] };

/**
 * What `error` means for `intent` (the first of its batch). `missing` says which chat a
 * ChatNotFound is about (see `missing-chat.ts`; undefined: it could not be told).
 */
export function classifyFailure(intent: Intent, error: TelegramError, ctx: Pick<ExecuteContext, "chatId" | "groupId">, missing?: ChatRole): Outcome {
  switch (error._tag) {
    case "RateLimited":
      return { kind: "retry", afterMs: error.retryAfter * 1000, reason: error.description, rateLimited: { chatId: targetChatOf(intent, ctx.chatId, ctx.groupId), seconds: error.retryAfter } };
    case "ServerError":
      return { kind: "retry", reason: `${error.status} ${error.description}` };
    case "NetworkError":
      // The request may have been applied before the connection failed: a retry may duplicate.
      return { kind: "retry", reason: error.reason };
    case "ThreadNotFound":
      return userBound(intent) ? drop(intent, error.description) : { kind: "topic-lost" };
    case "TopicClosed":
      return userBound(intent) ? drop(intent, error.description) : { kind: "topic-closed" };
    case "BlockedByUser":
    case "UserDeactivated":
      if (!userBound(intent) || intent.type === "sendToOperator") return drop(intent, error.description);
      return { kind: "drop", reason: error.description, events: [{ type: "delivery.blocked", reason: error._tag === "BlockedByUser" ? "blocked" : "deactivated" }] };
    case "Unauthorized":
    case "Conflict":
      // The bot's token or group is wrong: keep the message and retry slowly, loudly.
      return { kind: "retry", capMs: 60_000, reason: error.description };
    case "ChatNotFound":
      switch (missing) {
        case "group":
          // Not a message's fault: the deployment's group is wrong or gone. Keep it, retry slowly.
          return { kind: "retry", capMs: 60_000, reason: `operators' group: ${error.description}` };
        case "user":
          // The account is gone: like a deactivated one, operators are told and nothing is retried.
          if (userBound(intent)) return { kind: "drop", reason: `the user's chat: ${error.description}`, events: [{ type: "delivery.blocked", reason: "vanished" }] };
          return drop(intent, `the user's chat no longer exists (${error.description})`);
        case "operator":
          return drop(intent, error.description);
        default:
          return { kind: "retry", reason: `${error.description} (could not tell which chat)` };
      }
    case "BadRequest":
      // Already so: a resent edit that Telegram had applied ("message is not modified", "TOPIC_NOT_MODIFIED").
      if (/not[ _]modified/i.test(error.description)) return done;
      // Not every emoji is a valid bot reaction: a mirror that Telegram refuses is simply skipped.
      if (intent.type === "reactInTopic" || intent.type === "reactInUser") return { kind: "drop", reason: error.description, events: [] };
      return drop(intent, error.description);
  }
}

function drop(intent: Intent, description: string): Outcome {
  // Operators must learn that something they or the user sent did not arrive.
  const notice = intent.type === "sendToOperator"
    ? `⚠️ Could not write to the operator privately (${description}): they must start a private chat with the bot first.`
    : intent.type === "copyToTopic"
    ? `⚠️ A message from the user could not be shown here: ${description}`
    : intent.type === "copyToUser" || intent.type === "sendToUser"
    ? `⚠️ Not delivered to the user: ${description}`
    : intent.type === "templateToUser"
    ? `⚠️ Template ${intent.name} not delivered to the user: ${description}`
    : undefined;
  return { kind: "drop", reason: description, events: [], ...(notice ? { notice } : {}) };
}
