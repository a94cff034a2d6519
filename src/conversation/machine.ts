/**
 * The conversation machine. Its actions are intents: they do nothing when "executed" here —
 * `step()` runs the machine with XState's pure `transition()` and keeps the returned actions as
 * data for the outbox. Optional behaviour (welcome, keyword gating, reply-only …) lives in
 * plugins: their gate decisions arrive on the event (`event.gates`) and the named guards below
 * read them, so the machine stays deterministic and testable without a clock or I/O.
 */
import { and, assign, enqueueActions, not, setup } from "xstate";
import type { ConversationEvent, EventGates, UserProfile } from "./events.ts";
import type { Intent } from "./intents.ts";
import { type TitleStatus, topicTitle } from "./title.ts";

/** The persisted context of one conversation. */
export interface ConversationContext {
  chatId: number;
  user: UserProfile;
  topicId: number | null;
  blocked: boolean;
  /** When the conversation started (ms since the epoch), from the first event's clock. */
  firstContactAt?: number;
  /**
   * Since when the dialog waits for operators (it turned 🟪; ms since the epoch), beside the
   * context like `firstContactAt`: set by the stepper, never by the machine.
   */
  waitingSince?: number;
  /** When the current dialog opened, and when the operators first answered it (ms; analytics, set by the stepper). */
  openedAt?: number;
  answeredAt?: number;
  /** Plugins' data by plugin name; written only through `setData` effects, never by the machine. */
  data?: Record<string, unknown>;
}

/** Bot-level settings the transitions read. */
export interface MachineOptions {
  iconColor?: number;
  /** The name shown in topic titles (plugins may supply an alias); defaults to the user's name. */
  nameOf?: (user: UserProfile) => string;
  /**
   * Copy (rather than forward) monitored groups' messages, so the forward header does not name
   * their senders (`hide_info: [name]`).
   */
  hideGroupSenders?: boolean;
  /** What plugins add after the name (label tickers), from the conversation's plugin data. */
  suffixOf?: (data: Readonly<Record<string, unknown>>) => string | undefined;
}

/** The machine's input: who the conversation is with. */
export interface ConversationInput {
  chatId: number;
  user: UserProfile;
}

type IntentParams<T extends Intent["type"]> = Omit<Extract<Intent, { type: T }>, "type">;
type Ev<T extends ConversationEvent["type"]> = Extract<ConversationEvent, { type: T }>;

const noop = () => {};
const gatesOf = (event: ConversationEvent): EventGates => ("gates" in event && event.gates) || {};

/** What operators read in the topic when a send to the user failed for good. */
const blockedNotices: Record<Ev<"delivery.blocked">["reason"], string> = {
  blocked: "⚠️ Not delivered: the user blocked the bot.",
  deactivated: "⚠️ Not delivered: the user's account is deleted.",
  vanished: "⚠️ Not delivered: Telegram no longer knows the user's chat (the account was probably deleted).",
};

/** Commands the core machine understands; plugins add their own. */
export const coreCommands = ["close", "hold", "wait", "ban", "unban"] as const;

const isCommand = (name: string) => ({ event }: { event: ConversationEvent }) =>
  event.type === "operator.command" && event.command.name === name;

/** Builds the machine for one bot's settings. */
export function createConversationMachine(options: MachineOptions = {}) {
  const titleFor = (status: TitleStatus, context: ConversationContext) => topicTitle(status, context.user, options.nameOf, options.suffixOf?.(context.data ?? {}));
  const title = (status: TitleStatus) => ({ context }: { context: ConversationContext }): IntentParams<"editTopic"> => ({
    name: titleFor(status, context),
  });
  const copyIn = { type: "copyToTopic" as const, params: ({ event }: { event: ConversationEvent }) => copyParams(event, options.hideGroupSenders === true) };
  const copyOut = { type: "copyToUser" as const, params: ({ event }: { event: ConversationEvent }) => operatorCopyParams(event) };
  // A Topics API text exists in no chat: sent to the user, then shown in the topic (paired).
  const apiTextOut = {
    type: "templateToUser" as const,
    params: ({ event }: { event: ConversationEvent }) => ({ name: "api", template: { kind: "message" as const, text: (event as Ev<"operator.api_text">).message.text ?? "" } }),
  };
  const closeActions = [{ type: "editTopic" as const, params: title("closed") }, "closeTopic" as const];
  const createTopicAs = (status: TitleStatus) => ({ type: "createTopic" as const, params: ({ context }: { context: ConversationContext }) => ({ name: titleFor(status, context), iconColor: options.iconColor }) });
  const createTopic = createTopicAs("user_answered");
  // Operators write first (/new): the topic opens as answered, waiting for the user.
  const openByOperator = { target: "topic-open.support_answered" as const, actions: [createTopicAs("support_answered")] };
  // leave_closed: the topic is created, the message relayed, and the dialog starts closed.
  const createClosed = {
    guard: and(["mayRelay", not("mayReopen")]),
    target: "closed" as const,
    actions: ["rememberUser" as const, createTopic, copyIn, ...closeActions],
  };
  // A deleted topic: a new one with the dialog's current title (the create params read the
  // context before the topic id is forgotten).
  const replaceTopic = (status: TitleStatus) => [
    {
      type: "createTopic" as const,
      params: ({ context }: { context: ConversationContext }) => ({
        name: titleFor(status, context), iconColor: options.iconColor, previousDeleted: context.topicId !== null,
      }),
    },
    "forgetTopic" as const,
  ];
  const banActions = [{ type: "sendToTopic" as const, params: { text: "⛔ Banned. The user's messages are ignored until /unban." } }, ...closeActions];

  return setup({
    types: {
      context: {} as ConversationContext,
      events: {} as ConversationEvent,
      input: {} as ConversationInput,
    },
    actions: {
      createTopic: (_: unknown, _p: IntentParams<"createTopic">) => noop(),
      editTopic: (_: unknown, _p: IntentParams<"editTopic">) => noop(),
      closeTopic: noop,
      reopenTopic: noop,
      copyToTopic: (_: unknown, _p: IntentParams<"copyToTopic">) => noop(),
      copyToUser: (_: unknown, _p: IntentParams<"copyToUser">) => noop(),
      sendToTopic: (_: unknown, _p: IntentParams<"sendToTopic">) => noop(),
      sendToUser: (_: unknown, _p: IntentParams<"sendToUser">) => noop(),
      templateToUser: (_: unknown, _p: IntentParams<"templateToUser">) => noop(),
      editInTopic: (_: unknown, _p: IntentParams<"editInTopic">) => noop(),
      editInUser: (_: unknown, _p: IntentParams<"editInUser">) => noop(),
      reactInTopic: (_: unknown, _p: IntentParams<"reactInTopic">) => noop(),
      reactInUser: (_: unknown, _p: IntentParams<"reactInUser">) => noop(),
      deleteTopic: (_: unknown, _p: IntentParams<"deleteTopic">) => noop(),
      // Most messages change neither the profile nor the block: an `assign` would clone the
      // machine's snapshot (its state value and tags rebuilt) for nothing on every message.
      rememberUser: enqueueActions(({ context, event, enqueue }) => {
        if (event.type === "user.message" && (context.blocked || !sameProfile(context.user, event.user))) enqueue.assign({ user: event.user, blocked: false });
      }),
      forgetTopic: assign({ topicId: null }),
      rememberTopic: assign({ topicId: ({ context, event }) => (event.type === "topic.created" ? event.topicId : context.topicId) }),
    },
    guards: {
      hasTopic: ({ context }) => context.topicId !== null,
      isCurrentTopic: ({ context, event }) => event.type === "topic.created" && event.topicId === context.topicId,
      /** Keyword gating and friends: may this message open (or reopen) a topic? */
      mayOpen: ({ event }) => gatesOf(event).open !== false,
      /** Restricted words, reply-only and friends: may this message be relayed? */
      mayRelay: ({ event }) => gatesOf(event).relay !== false,
      /** leave_closed: may a user message make the dialog open? */
      mayReopen: ({ event }) => gatesOf(event).reopen !== false,
      /** A plugin answers this command, so the machine does not call it unknown. */
      handledByPlugin: ({ event }) => gatesOf(event).handled === true,
      isClose: isCommand("close"),
      isHold: isCommand("hold"),
      isWait: isCommand("wait"),
      isBan: isCommand("ban"),
      isUnban: isCommand("unban"),
    },
  }).createMachine({
    id: "conversation",
    context: ({ input }) => ({ chatId: input.chatId, user: input.user, topicId: null, blocked: false }),
    initial: "idle",
    on: {
      "topic.created": [
        // The same topic again: the answer of a creation already adopted from its service message.
        { guard: "isCurrentTopic" },
        { guard: not("hasTopic"), actions: "rememberTopic" },
        // A second topic: a creation in doubt was retried after the first had been adopted.
        { actions: { type: "deleteTopic", params: ({ event }) => ({ topicId: (event as Ev<"topic.created">).topicId }) } },
      ],
      "user.edited": {
        guard: "hasTopic",
        actions: {
          type: "editInTopic",
          params: ({ event }) => {
            const m = (event as Ev<"user.edited">).message;
            return { userMessageId: m.message_id, text: m.text, caption: m.caption, entities: m.entities ?? m.caption_entities };
          },
        },
      },
      "operator.edited": {
        actions: {
          type: "editInUser",
          params: ({ event }) => {
            const m = (event as Ev<"operator.edited">).message;
            return { topicMessageId: m.message_id, text: m.text, caption: m.caption, entities: m.entities ?? m.caption_entities };
          },
        },
      },
      "user.reacted": {
        guard: "hasTopic",
        actions: {
          type: "reactInTopic",
          params: ({ event }) => ({ userMessageId: (event as Ev<"user.reacted">).messageId, emoji: (event as Ev<"user.reacted">).emoji }),
        },
      },
      "operator.reacted": {
        actions: {
          type: "reactInUser",
          params: ({ event }) => ({ topicMessageId: (event as Ev<"operator.reacted">).messageId, emoji: (event as Ev<"operator.reacted">).emoji }),
        },
      },
      "user.blocked": {
        actions: [
          assign({ blocked: true }),
          { type: "sendToTopic", params: { text: "⚠️ The user blocked the bot. Messages to them will not be delivered." } },
        ],
      },
      "delivery.blocked": {
        actions: [
          assign({ blocked: true }),
          {
            type: "sendToTopic",
            params: ({ event }) => ({ text: blockedNotices[(event as Ev<"delivery.blocked">).reason] }),
          },
        ],
      },
      "user.unblocked": {
        actions: [assign({ blocked: false }), { type: "sendToTopic", params: { text: "✅ The user unblocked the bot." } }],
      },
      "operator.command": {
        guard: not("handledByPlugin"),
        actions: {
          type: "sendToTopic",
          params: ({ event }) => ({
            text: `Unknown command /${(event as Ev<"operator.command">).command.name}. /help lists the commands; "/ text" is a comment.`,
          }),
        },
      },
    },
    states: {
      idle: {
        on: {
          "user.message": [
            // Not yet: the other system (or nobody) handles the user until a keyword matches.
            { guard: not("mayOpen"), target: "awaiting-keyword", actions: "rememberUser" },
            createClosed,
            { guard: "mayRelay", target: "topic-open.user_answered", actions: ["rememberUser", createTopic, copyIn] },
          ],
          "operator.command": {},
          "operator.message": {},
          "plugin.answered": openByOperator,
        },
      },
      "awaiting-keyword": {
        on: {
          "user.message": [
            { ...createClosed, guard: and(["mayOpen", "mayRelay", not("mayReopen")]) },
            { guard: and(["mayOpen", "mayRelay"]), target: "topic-open.user_answered", actions: ["rememberUser", createTopic, copyIn] },
            // Messages before the match are not relayed later: the other system handled them.
            { actions: "rememberUser" },
          ],
          "plugin.answered": openByOperator,
        },
      },
      "topic-open": {
        initial: "user_answered",
        on: {
          "dialog.close": { target: "closed", actions: closeActions },
          "operator.command": [
            // Rename first: a closed topic may refuse edits from a bot without topic rights.
            { guard: "isClose", target: "closed", actions: closeActions },
            { guard: "isHold", target: ".user_answered", actions: { type: "editTopic", params: title("user_answered") } },
            { guard: "isWait", target: ".support_answered", actions: { type: "editTopic", params: title("support_answered") } },
            { guard: "isBan", target: "banned", actions: banActions },
            { guard: "isUnban", actions: { type: "sendToTopic", params: { text: "The user is not banned." } } },
          ],
        },
        states: {
          user_answered: {
            on: {
              "topic.lost": { actions: replaceTopic("user_answered") },
              "user.message": { guard: "mayRelay", actions: ["rememberUser", copyIn] },
              "operator.message": { guard: "mayRelay", target: "support_answered", actions: [copyOut, { type: "editTopic", params: title("support_answered") }] },
              "operator.api_text": { target: "support_answered", actions: [apiTextOut, { type: "editTopic", params: title("support_answered") }] },
              "plugin.answered": { target: "support_answered", actions: { type: "editTopic", params: title("support_answered") } },
            },
          },
          support_answered: {
            on: {
              "topic.lost": { actions: replaceTopic("support_answered") },
              "user.message": { guard: "mayRelay", target: "user_answered", actions: ["rememberUser", copyIn, { type: "editTopic", params: title("user_answered") }] },
              "operator.message": { guard: "mayRelay", actions: copyOut },
              "operator.api_text": { actions: apiTextOut },
            },
          },
        },
      },
      closed: {
        on: {
          "topic.lost": { actions: replaceTopic("closed") },
          "user.message": [
            {
              guard: and(["mayOpen", "mayRelay", "mayReopen"]),
              target: "topic-open.user_answered",
              actions: ["rememberUser", "reopenTopic", { type: "editTopic", params: title("user_answered") }, copyIn],
            },
            // leave_closed: relayed into the closed topic; the dialog stays closed.
            { guard: and(["mayOpen", "mayRelay"]), actions: ["rememberUser", copyIn] },
          ],
          "operator.message": {
            guard: "mayRelay",
            target: "topic-open.support_answered",
            actions: ["reopenTopic", { type: "editTopic", params: title("support_answered") }, copyOut],
          },
          "operator.api_text": { target: "topic-open.support_answered", actions: ["reopenTopic", { type: "editTopic", params: title("support_answered") }, apiTextOut] },
          "plugin.answered": { target: "topic-open.support_answered", actions: ["reopenTopic", { type: "editTopic", params: title("support_answered") }] },
          "operator.command": [
            { guard: "isClose", actions: { type: "sendToTopic", params: { text: "The dialog is already closed." } } },
            { guard: "isHold", target: "topic-open.user_answered", actions: ["reopenTopic", { type: "editTopic", params: title("user_answered") }] },
            { guard: "isWait", target: "topic-open.support_answered", actions: ["reopenTopic", { type: "editTopic", params: title("support_answered") }] },
            { guard: "isBan", target: "banned", actions: banActions },
            { guard: "isUnban", actions: { type: "sendToTopic", params: { text: "The user is not banned." } } },
          ],
        },
      },
      banned: {
        on: {
          "topic.lost": { actions: replaceTopic("closed") },
          "user.message": {},
          "operator.message": { actions: { type: "sendToTopic", params: { text: "The user is banned; /unban to write to them." } } },
          "operator.api_text": { actions: { type: "sendToTopic", params: { text: "A Topics API message was not sent: the user is banned." } } },
          "operator.command": [
            { guard: "isUnban", target: "closed", actions: { type: "sendToTopic", params: { text: "✅ Unbanned. The user's next message reopens the dialog." } } },
            { guard: "isBan", actions: { type: "sendToTopic", params: { text: "The user is already banned." } } },
            { guard: "handledByPlugin" },
            { actions: { type: "sendToTopic", params: { text: "The user is banned; /unban first." } } },
          ],
        },
      },
    },
  });
}

function copyParams(event: ConversationEvent, hideGroupSenders: boolean): IntentParams<"copyToTopic"> {
  const m = (event as Ev<"user.message">).message;
  const base = { messageId: m.message_id, replyToUserMessageId: m.reply_to_message?.message_id, mediaGroupId: m.media_group_id };
  // Many people write in one group: a forward shows operators who wrote each message.
  const inGroup = m.chat.type === "group" || m.chat.type === "supergroup";
  // Posted through the Topics API: there is nothing to copy, the text is sent into the topic.
  if (m.message_id < 0) return { ...base, replyToUserMessageId: undefined, protectedText: { text: m.text ?? "" } };
  if (!m.has_protected_content) return inGroup && !hideGroupSenders ? { ...base, forward: true } : base;
  // Telegram refuses to copy protected content; its text is all that may be relayed.
  const text = m.text ?? m.caption;
  return {
    ...base,
    mediaGroupId: undefined,
    protectedText: text
      ? { text: `🔒 ${text}`, entities: (m.entities ?? m.caption_entities)?.map((e) => ({ ...e, offset: e.offset + 3 })) }
      : { text: "🔒 The user sent protected media, which Telegram does not allow to be copied." },
  };
}

function operatorCopyParams(event: ConversationEvent): IntentParams<"copyToUser"> {
  const e = event as Ev<"operator.message">;
  return { messageId: e.message.message_id, replyToTopicMessageId: e.replyToTopicMessageId, mediaGroupId: e.message.media_group_id };
}

/** The machine type, for `step()` and tests. */
export type ConversationMachine = ReturnType<typeof createConversationMachine>;

/** Whether two profiles say the same (the same keys with the same values). */
function sameProfile(a: UserProfile, b: UserProfile): boolean {
  if (a === b) return true;
  // Both sides' keys: `{ lastName: undefined }` against `{ username: "x" }` differ.
  for (const key of Object.keys(a) as (keyof UserProfile)[]) if (a[key] !== b[key]) return false;
  for (const key of Object.keys(b) as (keyof UserProfile)[]) if (a[key] !== b[key]) return false;
  return true;
}
