/** Whose messages are accepted at all, and which user messages stay out of the topic. */
import { ChatIds, oneOrMany, param, Phrase } from "../../src/mod.ts";

/** Telegram's service account (login codes, notifications), ignored by default as in Hotline. */
export const DEFAULT_IGNORE_CHATS: readonly number[] = [777000];

/** The parameters this plugin owns. */
export const params = {
  ignore_chats: param(ChatIds, {
    default: DEFAULT_IGNORE_CHATS,
    description: "Chats whose messages are ignored; a given list replaces the default (Telegram's service account 777000). A list, one id, or \"1, 2\".",
  }),
  white_list: param(ChatIds, {
    default: [],
    description: "When not empty, only these chats are accepted. A list, one id, or \"1, 2\".",
  }),
  restricted_keywords_frontend: param(oneOrMany(Phrase), {
    default: [],
    description: "User messages containing any of these (case-insensitive) are not relayed. A list or one word.",
    examples: [["casino", "crypto"]],
  }),
};
