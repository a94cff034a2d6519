/**
 * Bot API methods by what they do to a chat's messages. Shared by the proxy (which records what
 * the other system sends and edits) and MTProto mode (which records what Switchboard sends).
 */

const sendingMethods = new Set([
  "sendmessage", "sendphoto", "sendvideo", "sendvoice", "sendaudio", "senddocument", "sendsticker", "sendanimation",
  "sendvideonote", "sendlocation", "sendvenue", "sendcontact", "sendpoll", "senddice", "sendmediagroup", "sendinvoice",
  "sendgame", "sendpaidmedia", "copymessage", "copymessages", "forwardmessage", "forwardmessages",
]);

const editingMethods = new Set(["editmessagetext", "editmessagecaption", "editmessagemedia", "editmessagereplymarkup"]);

/** True for methods whose success puts a message into a chat (method names are case-insensitive). */
export const isSendingMethod = (method: string): boolean => sendingMethods.has(method.toLowerCase());

/** True for methods that change a message already sent. */
export const isEditingMethod = (method: string): boolean => editingMethods.has(method.toLowerCase());
