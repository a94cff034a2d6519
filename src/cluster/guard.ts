/**
 * The owner's own brake: a Bot API client that refuses to start a call once the instance's last
 * lease renewal is too old (ClusterSettings.callMarginMs), and a long poll that could outlive the
 * lease. The fence stops a former owner's writes; this stops its calls, so no two instances
 * ever call Telegram for one bot at once (no 409 from two pollers, no send from a paused one).
 */
import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import type { TelegramClient } from "../telegram/client.ts";
import { NetworkError } from "../telegram/errors.ts";

/** When the instance last renewed its leases (the Clock's ms), as the coordinator records it. */
export interface RenewalClock {
  readonly lastRenewedAt: number;
}

/**
 * Wraps `client`: a call starts only while the lease has more than `marginMs` left, and a long
 * poll waits no longer than what is left beyond that (it is shortened, not refused, so a renewal
 * that comes a little late costs no retry). `clock` is the one leases are timed on (the caller's
 * Clock when absent).
 */
export function guardedClient(client: TelegramClient, renewal: RenewalClock, ttlMs: number, marginMs: number, clock?: Clock.Clock): TelegramClient {
  const now = clock ? clock.currentTimeMillis : Clock.currentTimeMillis;
  const leftMs = Effect.map(now, (t) => renewal.lastRenewedAt + ttlMs - marginMs - t);
  const allowed = (extraMs: number) => Effect.map(leftMs, (left) => extraMs < left);
  const refused = (method: string) => Effect.fail(new NetworkError({ method, reason: "this instance's lease was not renewed in time: no Bot API call until it is" }));
  return {
    apiRoot: client.apiRoot,
    call: (method, params, options) => {
      if (method !== "getUpdates") return Effect.flatMap(allowed(0), (ok) => (ok ? client.call(method, params, options) : refused(method)));
      return Effect.flatMap(leftMs, (left) => {
        if (left <= 0) return refused(method);
        const asked = (params as { timeout?: number } | undefined)?.timeout ?? 0;
        const wait = Math.min(asked, Math.floor(left / 1000));
        return client.call(method, (wait === asked ? params : { ...params, timeout: wait }) as typeof params, options);
      });
    },
    upload: (method, params, file) => Effect.flatMap(allowed(0), (ok) => (ok ? client.upload(method, params, file) : refused(method))),
  };
}
