/**
 * The `Bot` service: who the pipeline works for — the bot's id in storage, its operators'
 * group, the view plugins see, its logger. Every per-bot service reads it from its context.
 */
import * as Context from "effect/Context";
import type { BotView } from "../plugins/api.ts";
import type { BotTracing } from "../tracing/pipeline-spans.ts";
import type { Logger } from "../util/log.ts";

/** What the service holds. */
export interface BotEnv {
  /** The bot's id in the config and in storage. */
  readonly botId: string;
  /** The operators' forum supergroup. */
  readonly groupId: number;
  /** The bot as plugins see it (its username is filled in after getMe). */
  readonly view: BotView;
  readonly log: Logger;
  /** Spans of the pipeline's work, when `tracing` is configured; absent = off (the plain paths run). */
  readonly tracing?: BotTracing;
}

/** See the module comment. */
export class Bot extends Context.Tag("switchboard/Bot")<Bot, BotEnv>() {}
