/** Which chats are relayed: private chats, groups the bot is in, channels it administers (Hotline's MONITOR_*). */
import { Flag, param } from "../../src/mod.ts";

/** The parameters this plugin owns. */
export const params = {
  monitor_private: param(Flag, {
    default: true,
    description: "Relay private chats with the bot, each to its own topic. false: private messages are ignored.",
  }),
  monitor_groups: param(Flag, {
    default: false,
    description:
      "Relay every group the bot is in (not the operators' group, not ignore_chats) into a topic of its own; operators answer into the group from it. Telegram: turn the bot's privacy mode off in @BotFather, or it sees only commands and replies to it.",
  }),
  monitor_channels: param(Flag, {
    default: false,
    description: "Relay the posts of every channel the bot is an admin of into a topic of its own; operators post into the channel from it.",
  }),
};
