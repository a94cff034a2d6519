/**
 * When the parallel system calls setWebhook on the proxy, its updates are posted to its URL one
 * at a time, in order, with its secret header, and retried until it answers 2xx — as Telegram
 * does. The pusher is a fiber in the proxy's scope: each post has a timeout, failures back off
 * through a `Schedule` (waits on the Clock), and an idle pusher sleeps until `notify` signals
 * new updates. Setting another webhook restarts the fiber at once (no backoff left over from
 * the old URL). The webhook settings are kept in `bot_state`, so they survive a restart.
 */
import * as HttpClient from "@effect/platform/HttpClient";
import * as HttpClientRequest from "@effect/platform/HttpClientRequest";
import * as Clock from "effect/Clock";
import * as Data from "effect/Data";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as FiberHandle from "effect/FiberHandle";
import * as Queue from "effect/Queue";
import * as Ref from "effect/Ref";
import type * as Scope from "effect/Scope";
import type { Db } from "../../store/open.ts";
import { confirmProxyUpdates, proxyUpdatesFrom } from "../../store/proxy-updates.ts";
import { backoffSchedule } from "../../util/backoff-schedule.ts";
import type { Logger } from "../../util/log.ts";

/** The parallel system's webhook. */
export interface ProxyWebhook {
  url: string;
  secret?: string;
}

const key = "proxy_webhook";

/** Reads the stored webhook, if any. */
export async function loadProxyWebhook(db: Db, botId: string): Promise<ProxyWebhook | undefined> {
  const row = await db.selectFrom("bot_state").select("value").where("bot_id", "=", botId).where("key", "=", key).executeTakeFirst();
  return row ? (JSON.parse(row.value) as ProxyWebhook) : undefined;
}

/** Stores (or, with undefined, removes) the webhook. */
export async function saveProxyWebhook(db: Db, botId: string, webhook: ProxyWebhook | undefined): Promise<void> {
  await db.deleteFrom("bot_state").where("bot_id", "=", botId).where("key", "=", key).execute();
  if (webhook) await db.insertInto("bot_state").values({ bot_id: botId, key, value: JSON.stringify(webhook) }).execute();
}

/** The parallel system's webhook did not take an update (an answer other than 2xx, or none in time). */
export class PushFailed extends Data.TaggedError("PushFailed")<{ readonly message: string }> {}

/** See the module comment. */
export interface WebhookPusher {
  /** The webhook in use, if any. */
  readonly webhook: Effect.Effect<ProxyWebhook | undefined>;
  /** The last delivery error (Unix seconds and text), for getWebhookInfo. */
  readonly lastError: Effect.Effect<{ readonly date: number; readonly message: string } | undefined>;
  /** Sets (or, with undefined, clears) the webhook; pushing restarts for the new one. */
  set(webhook: ProxyWebhook | undefined): Effect.Effect<void>;
  /** New updates were queued: wake an idle pusher. */
  readonly notify: Effect.Effect<void>;
}

/** Settings of a pusher. */
export interface PusherOptions {
  readonly db: Db;
  readonly botId: string;
  readonly log: Logger;
  /** How long one post may take before it counts as failed; default 30 s. */
  readonly timeout?: Duration.DurationInput;
}

/** A pusher whose fiber ends with the scope; queued updates stay for the next start. */
export const makeWebhookPusher = (o: PusherOptions): Effect.Effect<WebhookPusher, never, Scope.Scope | HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient;
    const webhook = yield* Ref.make<ProxyWebhook | undefined>(undefined);
    const lastError = yield* Ref.make<{ date: number; message: string } | undefined>(undefined);
    // A signal, not a queue of work: one pending wake-up is as good as many.
    const wake = yield* Queue.sliding<void>(1);
    const worker = yield* FiberHandle.make<void, never>();
    const timeout = o.timeout ?? Duration.seconds(30);

    const post = (hook: ProxyWebhook, body: string) =>
      HttpClientRequest.post(hook.url).pipe(
        HttpClientRequest.bodyText(body, "application/json"),
        HttpClientRequest.setHeaders(hook.secret ? { "x-telegram-bot-api-secret-token": hook.secret } : {}),
        http.execute,
        Effect.mapError((e) => new PushFailed({ message: e.message })),
        Effect.flatMap((response) =>
          response.status >= 200 && response.status < 300
            ? Effect.void
            : Effect.fail(new PushFailed({ message: `Wrong response from the webhook: ${response.status}` }))
        ),
        Effect.timeoutFail({ duration: timeout, onTimeout: () => new PushFailed({ message: `no answer within ${Duration.format(timeout)}` }) }),
        Effect.tapError((e) => Effect.flatMap(Clock.currentTimeMillis, (now) => Ref.set(lastError, { date: Math.floor(now / 1000), message: e.message }))),
      );

    /** Pushes the oldest queued update (retrying until taken), or sleeps until signalled. */
    const step = (hook: ProxyWebhook) =>
      Effect.gen(function* () {
        const [update] = yield* Effect.tryPromise(() => proxyUpdatesFrom(o.db, o.botId, 0, 1));
        if (!update) return yield* Queue.take(wake);
        yield* post(hook, JSON.stringify(update)).pipe(
          Effect.retry(backoffSchedule<PushFailed>({
            cap: "30 seconds",
            onRetry: (e, wait) =>
              Effect.sync(() =>
                o.log.warn("the parallel system's webhook did not accept an update; retrying", { url: hook.url, update_id: update.update_id, error: e.message, in_ms: Duration.toMillis(wait) })
              ),
          })),
        );
        yield* Effect.tryPromise(() => confirmProxyUpdates(o.db, o.botId, update.update_id + 1));
      });

    const push = (hook: ProxyWebhook) =>
      step(hook).pipe(
        // Only the store can fail here (posts are retried inside): log it and try again later.
        Effect.retry(backoffSchedule<unknown>({
          cap: "30 seconds",
          onRetry: (error, wait) => Effect.sync(() => o.log.error("proxy webhook pusher could not read its queue; retrying", { error: String(error), in_ms: Duration.toMillis(wait) })),
        })),
        Effect.orDie,
        Effect.forever,
      );

    return {
      webhook: Ref.get(webhook),
      lastError: Ref.get(lastError),
      set: (hook) =>
        Effect.gen(function* () {
          yield* Ref.set(webhook, hook);
          if (hook) yield* FiberHandle.run(worker, push(hook));
          else yield* FiberHandle.clear(worker);
        }),
      notify: Effect.asVoid(Queue.offer(wake, undefined)),
    } satisfies WebhookPusher;
  });
