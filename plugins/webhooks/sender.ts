/**
 * The background sender of one bot: drains the webhooks queue. Each URL has at most one request
 * in flight and sends its rows in id order (a receiver sees events in the order they happened);
 * URLs do not wait for each other, and nothing here ever waits inside a conversation's step, so
 * a slow or dead receiver delays only its own queue.
 *
 * Failed requests are retried with exponential backoff and jitter (0.5 s doubling, capped at
 * 10 min) until they are older than `retryForMs` (24 h by default, about 150 attempts), then
 * given up with an error log. Retry times are kept in the row, so a restart resumes the
 * schedule; they are real time, not the runtime's clock, because they are about when the
 * receiver is back, not about the conversation's time.
 */
import type { Kysely } from "kysely";
import type { Logger } from "../../src/mod.ts";
import { backoffMs } from "../../src/util/backoff.ts";
import { postWebhook } from "./post.ts";
import { defer, heads, type QueueRow, remove } from "./queue.ts";

/** Settings of a sender. */
export interface SenderOptions {
  db: Kysely<any>;
  botId: string;
  log: Logger;
  secret: string | undefined;
  timeoutMs: number;
  retryForMs: number;
}

/** Longest wait between retries of one row. */
const maxBackoffMs = 10 * 60_000;
/** With nothing due, look again this often anyway (a missed wake costs at most this much). */
const idleMs = 30_000;
/** After a failed read or write of the queue, wait this long (the store may be busy or full). */
const storeTroubleMs = 5_000;

/** A URL for logs: queries often carry tokens, so they are left out. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}${u.search ? "?…" : ""}`;
  } catch {
    return "(invalid URL)";
  }
}

/** See the module comment. */
export class WebhookSender {
  readonly #o: SenderOptions;
  /** URL → its request in flight. */
  readonly #inFlight = new Map<string, Promise<void>>();
  /** URL → not before this time, after the store failed to record an outcome. */
  readonly #heldUntil = new Map<string, number>();
  #wakeUp: (() => void) | undefined;
  #woken = false;

  constructor(options: SenderOptions) {
    this.#o = options;
  }

  /** Asks the sender to look at the queue now (new rows were committed, a request ended). */
  wake(): void {
    this.#woken = true;
    this.#wakeUp?.();
  }

  /** Sends until `signal` aborts; then waits for the requests in flight (aborted with it). */
  async run(signal: AbortSignal): Promise<void> {
    const onAbort = () => this.#wakeUp?.();
    signal.addEventListener("abort", onAbort);
    try {
      while (!signal.aborted) {
        this.#woken = false;
        let nextDue: number | undefined;
        try {
          nextDue = this.#dispatch(await heads(this.#o.db, this.#o.botId), signal);
        } catch (error) {
          this.#o.log.error("webhooks queue could not be read; will look again", { error: String(error), in_ms: storeTroubleMs });
          nextDue = Date.now() + storeTroubleMs;
        }
        if (signal.aborted || this.#woken) continue;
        await this.#sleep(Math.min(idleMs, nextDue === undefined ? idleMs : nextDue - Date.now()));
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      await Promise.allSettled(this.#inFlight.values());
    }
  }

  /** Starts the heads that are due; returns when the next one falls due. */
  #dispatch(rows: readonly QueueRow[], signal: AbortSignal): number | undefined {
    const now = Date.now();
    let nextDue: number | undefined;
    for (const row of rows) {
      if (this.#inFlight.has(row.url)) continue;
      const due = Math.max(row.nextAt, this.#heldUntil.get(row.url) ?? 0);
      if (due > now) {
        nextDue = Math.min(nextDue ?? due, due);
        continue;
      }
      this.#heldUntil.delete(row.url);
      const sending = this.#send(row, signal).finally(() => {
        this.#inFlight.delete(row.url);
        this.wake();
      });
      this.#inFlight.set(row.url, sending);
    }
    return nextDue;
  }

  async #send(row: QueueRow, signal: AbortSignal): Promise<void> {
    const o = this.#o;
    const attempt = row.attempts + 1;
    const outcome = await postWebhook({ url: row.url, body: row.body, event: row.event, eventId: row.eventId, attempt, secret: o.secret, timeoutMs: o.timeoutMs }, signal);
    // Stopping: the row stays as it was and goes first at the next start (at least once).
    if (signal.aborted) return;
    const fields = { url: redact(row.url), event: row.event, id: row.eventId, attempt };
    try {
      if (outcome.kind === "delivered") {
        await remove(o.db, row.id);
        o.log.debug("webhook delivered", { ...fields, status: outcome.status });
      } else if (outcome.kind === "rejected") {
        await remove(o.db, row.id);
        o.log.error("webhook refused by the receiver; given up (only network errors, timeouts, 408, 429 and 5xx are retried)", { ...fields, error: outcome.reason });
      } else {
        const now = Date.now();
        const retryAt = now + (outcome.retryAfterMs ?? backoffMs(attempt, maxBackoffMs));
        if (retryAt > row.createdAt + o.retryForMs) {
          await remove(o.db, row.id);
          o.log.error("webhook given up: the receiver failed for too long", { ...fields, queued_for_h: +((now - row.createdAt) / 3_600_000).toFixed(2), error: outcome.reason });
        } else {
          await defer(o.db, row.id, attempt, retryAt, outcome.reason);
          o.log.warn("webhook delivery failed; will retry", { ...fields, in_ms: retryAt - now, error: outcome.reason });
        }
      }
    } catch (error) {
      // The outcome is not recorded; the row is sent again later (receivers deduplicate by id).
      this.#heldUntil.set(row.url, Date.now() + storeTroubleMs);
      o.log.error("webhook outcome could not be recorded; the request will repeat", { ...fields, error: String(error) });
    }
  }

  #sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      // The bot's sources keep the process alive; this timer alone must not.
      (timer as { unref?: () => void }).unref?.();
      this.#wakeUp = done;
    });
  }
}
