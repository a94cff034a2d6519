/**
 * Whether a bot is receiving: its source records each successful getUpdates (or that the webhook
 * was set, or the MTProto session started) and each failure, on the Clock. `/readyz` reads it.
 * Plain fields, written by one fiber and read by the admin listener: no Effect per poll.
 *
 * No "last success too long ago" rule is needed for polling: a getUpdates that hangs is cut by
 * its own timeout (the long-poll wait plus 15 s) and recorded here as a failure.
 */

/** How the bot receives; `starting` until its source is up. */
export type ReceiveMode = "starting" | "polling" | "webhook" | "mtproto";

/** What `/readyz` says about one bot's source. */
export type ReceiveVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** See the module comment. */
export class ReceiveHealth {
  mode: ReceiveMode = "starting";
  /** When the source last succeeded (Clock millis). */
  lastOkAt: number | undefined = undefined;
  /** The latest failure since then, if any. */
  failure: { readonly at: number; readonly reason: string } | undefined = undefined;

  /** The source is up (webhook set, session started) or a getUpdates answered. */
  ok(mode: ReceiveMode, at: number): void {
    this.mode = mode;
    this.lastOkAt = at;
    this.failure = undefined;
  }

  /** A getUpdates failed (it is being retried). */
  failed(reason: string, at: number): void {
    this.failure = { at, reason };
  }

  /** Ready or why not, at `now`. */
  verdict(now: number): ReceiveVerdict {
    if (this.failure !== undefined) return { ok: false, reason: `receiving failed: ${this.failure.reason} (retrying for ${Math.round((now - this.failure.at) / 1000)} s)` };
    if (this.mode === "starting" || this.lastOkAt === undefined) return { ok: false, reason: "not connected yet" };
    return { ok: true };
  }
}
