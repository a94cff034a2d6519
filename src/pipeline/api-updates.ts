/**
 * Synthetic updates of the Topics API (admin/topics/): what an HTTP call asks of a conversation
 * enters the inbox like the proxy's intercepted messages — with a negative id, durable, and
 * stepped in arrival order with everything else — and the router turns it into the event an
 * operator or the user would have caused, so the machine and the plugins react the same way.
 */
import type { Message } from "@grammyjs/types";
import type { Update } from "@grammyjs/types";
import type { ConversationEvent, UserProfile } from "../conversation/events.ts";

/** The user a posted message is from, in the Bot API's shape. */
export interface ApiUser {
  readonly first_name: string;
  readonly last_name?: string;
  readonly username?: string;
  readonly language_code?: string;
}

/** What a synthetic update carries (`switchboard_api`). */
export type ApiAction =
  /** A message posted into the user's topic as if the user wrote it (a form, another channel). */
  | { readonly chat_id: number; readonly action: "user_message"; readonly date: number; readonly text: string; readonly user: ApiUser }
  /** An operator command (`close`, `hold`, `mark` …) given on the dialog's behalf. */
  | { readonly chat_id: number; readonly action: "command"; readonly date: number; readonly name: string; readonly args: string; readonly topic_id?: number }
  /** A text sent to the user as an operator would. */
  | { readonly chat_id: number; readonly action: "operator_text"; readonly date: number; readonly text: string; readonly topic_id?: number };

/** The Topics API action a synthetic update carries, if it is one. */
export const apiActionOf = (update: Update): ApiAction | undefined => (update as { switchboard_api?: ApiAction }).switchboard_api;

/** The synthetic update for `action`, with `updateId` from `syntheticUpdateIds`. */
export const apiUpdate = (updateId: number, action: ApiAction): Update => ({ update_id: updateId, switchboard_api: action } as unknown as Update);

/** Who gives the Topics API's commands (plugins read an operator from the command's message). */
export const apiOperator = { id: 0, is_bot: false, first_name: "Topics API" } as const;

/** A Topics API message exists in no Telegram chat: its id is negative (the update's). */
export const isSyntheticMessage = (m: Message): boolean => m.message_id < 0;

/** The message an API operator action stands for: in the dialog's topic, from {@link apiOperator}. */
const operatorMessage = (updateId: number, date: number, groupId: number, topicId: number | undefined, text: string) =>
  ({
    message_id: updateId, date, chat: { id: groupId, type: "supergroup", title: "", is_forum: true }, from: apiOperator, text,
    ...(topicId !== undefined ? { message_thread_id: topicId, is_topic_message: true } : {}),
  }) as Message;

/** What the router makes of a Topics API action (`groupId`: the operators' group). */
export function apiEvent(updateId: number, a: ApiAction, groupId: number): { chatId: number; event: ConversationEvent; user?: UserProfile } {
  switch (a.action) {
    case "user_message": {
      const user: UserProfile = {
        id: a.chat_id, firstName: a.user.first_name,
        ...(a.user.last_name ? { lastName: a.user.last_name } : {}),
        ...(a.user.username ? { username: a.user.username } : {}),
        ...(a.user.language_code ? { languageCode: a.user.language_code } : {}),
      };
      const message = {
        message_id: updateId, date: a.date, chat: { id: a.chat_id, type: "private", first_name: a.user.first_name },
        from: { id: a.chat_id, is_bot: false, ...a.user }, text: a.text,
      } as Message;
      return { chatId: a.chat_id, event: { type: "user.message", message, user }, user };
    }
    case "command": {
      const message = operatorMessage(updateId, a.date, groupId, a.topic_id, `/${a.name}${a.args ? ` ${a.args}` : ""}`);
      return { chatId: a.chat_id, event: { type: "operator.command", command: { name: a.name, args: a.args }, message } };
    }
    case "operator_text":
      return { chatId: a.chat_id, event: { type: "operator.api_text", message: operatorMessage(updateId, a.date, groupId, a.topic_id, a.text) } };
  }
}
