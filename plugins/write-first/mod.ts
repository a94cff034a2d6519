/**
 * `write-first`: Hotline's `/new USERNAME_OR_ID [TEXT]` in General (for `extensions_allowed`):
 * operators open a user's topic to write first; with TEXT, it is sent to the user as the first
 * operator message (and shown in the topic, paired like a relayed message).
 *
 * A bot can only write to users who have started it, and the Bot API cannot resolve usernames:
 * `/new` finds users among the conversations Switchboard has (find.ts) and says so otherwise.
 * When Telegram refuses the message all the same (the user blocked the bot, deleted the account,
 * or never started it — e.g. a conversation moved from another deployment), General is told.
 *
 * How it runs: the command asks for a `plugin.answered` step of the user's conversation (the
 * `step` effect, in the same batch); the machine makes the dialog 🟨 — creating the topic, or
 * reopening a closed one — and this plugin's reactions send the text once the topic exists, and
 * post the new topic's link in General.
 */
import type { ConversationView, HookOutput, Intent, PluginEnv } from "../../src/mod.ts";
import { definePlugin, displayName } from "../../src/mod.ts";
import { hiddenNameOf } from "../hide-info/shown.ts";
import { topicLink } from "../labels/general.ts";
import { isAllowed, refusal } from "../templates/allowed.ts";
import { findById, findByUsername, isUsername, type KnownUser } from "./find.ts";

const plugin = "write-first";

/** Telegram's limit for one text message. */
const maxText = 4096;

/** `/new help`, and the answer to a bare or wrong `/new`. */
export const newHelp = [
  "/new USERNAME_OR_ID — open (or find) a user's topic to write first",
  "/new USERNAME_OR_ID TEXT — and send TEXT to the user as the first message",
  "A bot can only write to users who have started it; a @username is found only among users who have written to this bot.",
].join("\n");

/** What the `plugin.answered` event of this plugin carries. */
interface WriteFirst {
  readonly text?: string;
}

/** This plugin's data in a conversation: what waits for the topic, and what to report. */
interface Pending {
  /** The text to send once the topic exists. */
  readonly text?: string;
  /** Post the new topic's link in General once it exists. */
  readonly announce?: boolean;
  /** A first message is under way: a failure to deliver it is reported in General. */
  readonly sending?: boolean;
}

const say = (text: string): HookOutput => ({ intents: [{ type: "sendToGeneral", text }] });

/** The built-in write-first plugin. */
export default definePlugin({
  name: plugin,
  create: (_options, env) => {
    const { bot } = env;
    const nameOf = (user: KnownUser["user"]) => hiddenNameOf(bot.id, bot.params.hide_info, user) ?? displayName(user);
    return {
      commands: {
        new: {
          help: "/new USERNAME_OR_ID [TEXT] — write to a user first",
          where: "general",
          run(ctx) {
            if (!isAllowed(bot, ctx)) return say(refusal("/new"));
            return writeFirst(env, ctx.args, nameOf);
          },
        },
      },
      onEvent(ctx) {
        const event = ctx.event;
        const pending = (ctx.conversation.data[plugin] ?? {}) as Pending;
        // Only the two announcements below name the user: not worked out for every message.
        const name = () => nameOf(ctx.conversation.user);
        if (event.type === "plugin.answered" && event.plugin === plugin) {
          const text = (event.value as WriteFirst).text;
          // The topic is being created: the text waits for it (its copy goes there).
          if (ctx.conversation.topicId === null) return { effects: [{ type: "setData", plugin, value: { text, announce: true } satisfies Pending }] };
          if (text === undefined) return;
          return { intents: sendFirst(text), effects: [{ type: "setData", plugin, value: { sending: true } satisfies Pending }] };
        }
        if (event.type === "topic.created" && pending.announce) {
          const intents: Intent[] = [{ type: "sendToGeneral", text: `🆕 Topic for ${name()}: ${topicLink(bot.groupId, event.topicId)}` }];
          if (pending.text !== undefined) intents.push(...sendFirst(pending.text));
          return { intents, effects: [{ type: "setData", plugin, value: pending.text === undefined ? undefined : { sending: true } satisfies Pending }] };
        }
        if (event.type === "delivery.failed" && event.intent === "templateToUser" && pending.sending) {
          return {
            intents: [{ type: "sendToGeneral", text: `⚠️ Telegram refused the message to ${name()} (${event.reason}). A bot can only write to users who have started it and not blocked it.` }],
            effects: [{ type: "setData", plugin, value: undefined }],
          };
        }
        // The user wrote: whatever was under way has arrived.
        if (event.type === "user.message" && ctx.conversation.data[plugin] !== undefined) return { effects: [{ type: "setData", plugin, value: undefined }] };
      },
    };
  },
});

/** The first message: a line saying where it came from, then the text, sent like a template (paired copies). */
function sendFirst(text: string): Intent[] {
  return [
    { type: "sendToTopic", text: "✉️ Written first from General (/new):" },
    { type: "templateToUser", name: "/new", template: { kind: "message", text } },
  ];
}

/** Runs `/new …` (permissions already checked). */
async function writeFirst(env: PluginEnv, args: string, nameOf: (user: KnownUser["user"]) => string): Promise<HookOutput> {
  const { bot, db } = env;
  const parsed = /^\s*(\S+)(?:\s+([\s\S]*))?$/.exec(args);
  if (!parsed || parsed[1].toLowerCase() === "help") return say(newHelp);
  const target = parsed[1].replace(/^@/, "");
  const text = parsed[2]?.trim() || undefined;
  if (text !== undefined && text.length > maxText) return say(`A message has at most ${maxText} characters; this one has ${text.length}.`);
  if (!db) return say("/new needs a store.");

  let found: KnownUser | undefined;
  if (/^-?\d+$/.test(target)) {
    const id = Number(target);
    if (id <= 0 || !Number.isSafeInteger(id)) return say(`/new writes to users: ${target} is not a user id.`);
    found = await findById(db, bot.id, id);
    if (!found) return say(`User ${id} has never written to this bot, so Switchboard cannot write to them: a bot can only write to users who have started it. Ask them to open @${bot.username} and press Start.`);
  } else {
    if (!isUsername(target)) return say(`"${parsed[1]}" is neither a user id nor a @username.`);
    found = await findByUsername(db, bot.id, target);
    if (!found) return say(`No user @${target} has written to this bot. The Bot API cannot look up usernames, so /new finds only users Switchboard has seen; a bot can only write to users who have started it.`);
  }
  if (found.user.chatKind) return say(`${nameOf(found.user)} is a monitored ${found.user.chatKind}, not a user: write in its topic.`);
  const name = nameOf(found.user);
  const link = found.topicId === null ? undefined : topicLink(bot.groupId, found.topicId);
  if (found.state === "banned") return say(`${name} is banned; /unban in their topic first${link ? `: ${link}` : "."}`);
  if (link && text === undefined) return say(`${name} already has a topic: ${link}`);
  const value: WriteFirst = text === undefined ? {} : { text };
  return {
    intents: [{ type: "sendToGeneral", text: link ? `✉️ Sending to ${name}: ${link}` : `🆕 Opening a topic for ${name}${text ? " with your message" : ""}…` }],
    effects: [{ type: "step", chatId: found.chatId, event: { type: "plugin.answered", plugin, value } }],
  };
}
