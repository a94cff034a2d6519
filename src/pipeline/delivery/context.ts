/**
 * What every part of delivery shares: the bot, its store and client, the stepper results go
 * back through, the outbox, the limiter, the group commit, and the counters.
 */
import type * as Clock from "effect/Clock";
import type * as Effect from "effect/Effect";
import type { ConversationEvent } from "../../conversation/events.ts";
import type { Db } from "../../store/open.ts";
import type { StoreError } from "../../store/store.ts";
import type { TelegramClient } from "../../telegram/client.ts";
import type { Logger } from "../../util/log.ts";
import type { Intent } from "../../conversation/intents.ts";
import type { OutboxService, OutboxWrite } from "../outbox.ts";
import type { RateLimiter } from "../rate-limits.ts";
import type { StepperService } from "../stepper.ts";
import type { Completion } from "./completions.ts";

/** Counters for logs, the sandbox panel and benchmarks. */
export interface DeliveryStats {
  delivered: number;
  retried: number;
  dropped: number;
  rateLimited: number;
  inDoubtResent: number;
  topicsRecreated: number;
}

/** See the module comment. */
export interface DeliveryContext {
  readonly db: Db;
  readonly botId: string;
  readonly groupId: number;
  readonly client: TelegramClient;
  readonly log: Logger;
  readonly stepper: StepperService;
  readonly outbox: OutboxService;
  readonly limiter: RateLimiter;
  readonly complete: (completion: Completion) => Effect.Effect<void, StoreError>;
  readonly stats: DeliveryStats;
  /**
   * The Clock of the layer's fiber (a `TestClock` in tests), read without an effect: each send
   * reads the time a few times, and an effect per read was a tenth of delivery's Effect steps.
   */
  readonly clock: Clock.Clock;
  /** When delivery started (Clock ms): creations in doubt from an earlier run wait from here. */
  readonly startedAt: number;
  /**
   * The createTopic rows whose createForumTopic this process is sending now, from the send until
   * its outcome is recorded: only these can still record a topic from an answer (see
   * `deleteTopic` in execute.ts). A creation that is merely recorded in the store — in doubt,
   * waiting to be tried again, or left by an earlier run — never will: its answer is lost.
   */
  readonly creating: Set<number>;
}

/**
 * Feeds delivery results into the conversation as events (the stepper announces any new work);
 * `alsoCommit` joins the step's transaction.
 */
export const feed = (ctx: DeliveryContext, chatId: number, events: readonly ConversationEvent[], alsoCommit?: (tx: Db, outbox: OutboxWrite<Intent>) => Promise<void>) =>
  ctx.stepper.apply(events.map((event) => ({ chatId, event })), [], alsoCommit);
