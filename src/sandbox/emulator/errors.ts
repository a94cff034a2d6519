/**
 * Bot API errors with Telegram's exact wording.
 *
 * Clients (and the runtime under test) match on these descriptions, so every text here is the
 * one Telegram really sends; keep them verbatim.
 */

/** A Bot API failure: becomes `{ ok: false, error_code, description, parameters }`. */
export class ApiError extends Error {
  /** HTTP status and `error_code`. */
  readonly code: number;
  /** Extra `parameters` object (retry_after for 429). */
  readonly parameters?: { retry_after?: number };

  constructor(code: number, description: string, parameters?: { retry_after?: number }) {
    super(description);
    this.name = "ApiError";
    this.code = code;
    if (parameters) this.parameters = parameters;
  }
}

/** Error texts, named by situation. */
export const E = {
  unauthorized: "Unauthorized",
  notFound: "Not Found",
  chatNotFound: "Bad Request: chat not found",
  threadNotFound: "Bad Request: message thread not found",
  topicClosed: "Bad Request: TOPIC_CLOSED",
  topicDeleted: "Bad Request: TOPIC_DELETED",
  topicNotModified: "Bad Request: TOPIC_NOT_MODIFIED",
  notAForum: "Bad Request: the chat is not a forum",
  topicNameInvalid: "Bad Request: TOPIC_NAME_INVALID",
  iconColorInvalid: "Bad Request: invalid icon_color specified",
  copyNotFound: "Bad Request: message to copy not found",
  forwardNotFound: "Bad Request: message to forward not found",
  cantBeCopied: "Bad Request: message can't be copied",
  cantBeForwarded: "Bad Request: message can't be forwarded",
  replyNotFound: "Bad Request: message to be replied not found",
  editNotFound: "Bad Request: message to edit not found",
  cantBeEdited: "Bad Request: message can't be edited",
  notModified:
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
  noTextToEdit: "Bad Request: there is no text in the message to edit",
  noCaptionToEdit: "Bad Request: there is no caption in the message to edit",
  deleteNotFound: "Bad Request: message to delete not found",
  cantBeDeleted: "Bad Request: message can't be deleted",
  reactNotFound: "Bad Request: message to react not found",
  reactionInvalid: "Bad Request: REACTION_INVALID",
  textEmpty: "Bad Request: message text is empty",
  textTooLong: "Bad Request: message is too long",
  captionTooLong: "Bad Request: message caption is too long",
  blocked: "Forbidden: bot was blocked by the user",
  deactivated: "Forbidden: user is deactivated",
  cantInitiate: "Forbidden: bot can't initiate conversation with a user",
  notMember: "Forbidden: bot is not a member of the supergroup chat",
  botToBot: "Forbidden: bot can't send messages to bots",
  wrongFileId: "Bad Request: wrong file identifier/HTTP URL specified",
  fileTypeMismatch: "Bad Request: type of file mismatch",
  mediaGroupSize: "Bad Request: wrong number of media in the media group",
  idsNotIncreasing: "Bad Request: message identifiers must be in a strictly increasing order",
  callbackQueryInvalid: "Bad Request: query is too old and response timeout expired or query ID is invalid",
  userNotFound: "Bad Request: user not found",
  parseModeInvalid: "Bad Request: unsupported parse_mode",
  conflictPolling: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
  conflictWebhook: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
  internal: "Internal Server Error",
  badGateway: "Bad Gateway",
} as const;

/** 400 with the given description. */
export function badRequest(description: string): ApiError {
  return new ApiError(400, description);
}

/** 403 with the given description. */
export function forbidden(description: string): ApiError {
  return new ApiError(403, description);
}

/** 429 with Telegram's "retry after" wording and `parameters.retry_after`. */
export function tooManyRequests(retryAfter: number): ApiError {
  return new ApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
}

/** 400 "Bad Request: <name> is empty" for a missing required parameter, as Telegram words it. */
export function missingParam(name: string): ApiError {
  return badRequest(`Bad Request: ${name} is empty`);
}
