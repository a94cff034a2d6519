/** Defaults the deployment contract promises when a key is left out. */

/** Where state lives when `storage` is not given. */
export const DEFAULT_STORAGE = "sqlite:./data/switchboard.db";

/** Telegram's own Bot API server. */
export const DEFAULT_API_ROOT = "https://api.telegram.org";

/** Where the webhook server listens when `webhook.listen` is not given (8443 is a Telegram webhook port). */
export const DEFAULT_WEBHOOK_LISTEN = "0.0.0.0:8443";

/** The greeting sent when `welcome` is not set; `{title}` becomes the user's full name. */
export const DEFAULT_WELCOME =
  "Hello, {title}! Thank you for contacting us. Please describe your question and an operator will reply here as soon as possible.";

/** Hours in 🟨 before a dialog closes, as in Hotline. */
export const DEFAULT_AUTOCLOSE_HOURS = 48;

/** Telegram's service account (login codes, notifications), ignored by default as in Hotline. */
export const DEFAULT_IGNORE_CHATS: readonly number[] = [777000];
