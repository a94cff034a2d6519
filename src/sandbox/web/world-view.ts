/**
 * Reads the emulated world the way the page shows it: the simulated users (not the operators),
 * their chats with the sandbox bot, the group, and the reactions on messages.
 */
import type { EmulatorCore, StoredMessage } from "../emulator/mod.ts";
import type { ReactionsView, UserView } from "./types.ts";

/** The accounts the page needs to tell apart. */
export interface Cast {
  token: string;
  botId: number;
  groupId: number;
}

/** The simulated users (everyone who is neither a bot nor an operator of the group), oldest first. */
export function usersOf(core: EmulatorCore, cast: Cast): UserView[] {
  const operators = core.world.requireGroup(cast.groupId).operators;
  const out: UserView[] = [];
  for (const { user } of core.world.users.values()) {
    if (user.is_bot || operators.has(user.id)) continue;
    const chat = core.world.privateChats.get(`${cast.botId}:${user.id}`);
    const view: UserView = { id: user.id, firstName: user.first_name, blocked: chat?.blocked ?? false };
    if (user.last_name) view.lastName = user.last_name;
    if (user.username) view.username = user.username;
    out.push(view);
  }
  return out;
}

/** Each user's private chat with the bot, by user id. */
export function chatsOf(core: EmulatorCore, cast: Cast, users: readonly UserView[]): Record<string, StoredMessage[]> {
  const out: Record<string, StoredMessage[]> = {};
  for (const u of users) out[u.id] = core.messages(u.id, { token: cast.token });
  return out;
}

/** The key the page files a message's reactions under. */
export const reactionKey = (chatId: number, messageId: number): string => `${chatId}:${messageId}`;

/** Every reaction of one message, all actors together. */
export function reactionsOn(core: EmulatorCore, cast: Cast, chatId: number, messageId: number): string[] {
  const chat = chatId < 0 ? core.world.groups.get(chatId) : core.world.privateChats.get(`${cast.botId}:${chatId}`);
  const rec = chat?.messages.get(messageId);
  return rec ? [...rec.reactions.values()].flat() : [];
}

/** Every message's reactions in the bot's chats and the group. */
export function allReactions(core: EmulatorCore, cast: Cast): ReactionsView {
  const out: ReactionsView = {};
  const chats = [core.world.requireGroup(cast.groupId), ...[...core.world.privateChats.values()].filter((c) => c.botId === cast.botId)];
  for (const chat of chats) {
    for (const [id, rec] of chat.messages) {
      const emojis = [...rec.reactions.values()].flat();
      if (emojis.length > 0) out[reactionKey(chat.id, id)] = emojis;
    }
  }
  return out;
}
