/**
 * What the sandbox page receives: the first snapshot and the live events that follow it on the
 * Server-Sent Events stream (`GET /api/events`). The page's `store.js` applies exactly these.
 */
import type { DeliveryStats } from "../../pipeline/delivery/context.ts";
import type { StoredMessage, TopicInfo, WorldEvent } from "../emulator/mod.ts";

/** A simulated user as the page lists them. */
export interface UserView {
  id: number;
  firstName: string;
  lastName?: string;
  username?: string;
  /** The user blocked the sandbox bot. */
  blocked: boolean;
}

/** One recorded step of a conversation actor. */
export interface TransitionView {
  /** Unix milliseconds. */
  at: number;
  event: string;
  from: string | undefined;
  to: string;
  status: string | undefined;
  intents: string[];
}

/** A conversation as the state panel shows it. */
export interface ConversationView {
  chatId: number;
  state: string;
  /** `user_answered` / `support_answered` inside `topic-open`. */
  status: string | undefined;
  topicId: number | null;
  /** Newest last; at most {@link TRANSITIONS_KEPT}. */
  transitions: TransitionView[];
}

/** How many transitions each conversation keeps for the panel. */
export const TRANSITIONS_KEPT = 8;

/** The bot's run state as the config panel shows it. */
export interface ConfigView {
  yaml: string;
  status: "starting" | "running" | "restarting" | "stopped";
  /** Why the last Apply failed (validation problems or a start error). */
  problems: string[];
  /** Unix ms of the last successful (re)start. */
  startedAt?: number;
  /** The analytics page of the running bot, while the config has `admin`. */
  analyticsUrl?: string;
}

/** Counters for the delivery panel. */
export interface StatsView {
  delivery: DeliveryStats;
  processor: { processed: number; dropped: number };
  /** Rows waiting in the outbox / unprocessed updates in the inbox. */
  outbox: number;
  inbox: number;
  activeLanes: number;
  emulator: { calls: number; faultsInjected: number; faultsArmed: number };
}

/** A sample photo the user can send. */
export interface SampleView {
  id: string;
  title: string;
  fileId: string;
}

/** One line of the runtime's log. */
export interface LogLine {
  at: number;
  level: "info" | "warn" | "error";
  scope: string;
  text: string;
}

/** Reactions per message: `"chatId:messageId"` → emojis (all actors together). */
export type ReactionsView = Record<string, string[]>;

/** Everything the page needs to draw itself from scratch. */
export interface PageSnapshot {
  bot: { id: number; username: string; firstName: string };
  operator: { id: number; name: string };
  group: { id: number; title: string };
  users: UserView[];
  /** Private chat messages per user id, oldest first. */
  chats: Record<string, StoredMessage[]>;
  /** Every message of the operators' group, oldest first. */
  groupMessages: StoredMessage[];
  topics: TopicInfo[];
  reactions: ReactionsView;
  conversations: ConversationView[];
  stats: StatsView;
  config: ConfigView;
  log: LogLine[];
  samples: SampleView[];
  /** True while a scripted demo is playing. */
  demo: boolean;
}

/** The events of the stream, by SSE event name. */
export type PageEvent =
  | { kind: "snapshot"; data: PageSnapshot }
  | { kind: "world"; data: WorldEvent }
  | { kind: "users"; data: UserView[] }
  | { kind: "reactions"; data: { key: string; emojis: string[] } }
  | { kind: "conversation"; data: ConversationView }
  | { kind: "stats"; data: StatsView }
  | { kind: "config"; data: ConfigView }
  | { kind: "log"; data: LogLine }
  | { kind: "demo"; data: { playing: boolean } };
