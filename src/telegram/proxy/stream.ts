/**
 * The parallel system's own update stream: long polling over the `proxy_updates` queue with its
 * own offset and Telegram's rules — a newer getUpdates terminates a waiting one with 409, and
 * updates the system did not ask for (`allowed_updates`) are skipped as Telegram would.
 */
import type { Update } from "@grammyjs/types";
import type { Db } from "../../store/open.ts";
import { confirmProxyUpdates, proxyUpdatesFrom } from "../../store/proxy-updates.ts";

/** Telegram's default when a client never named `allowed_updates`. */
const defaultExcluded = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

/** An answer for the HTTP layer: Telegram's JSON shape. */
export type StreamAnswer = { ok: true; result: Update[] } | { ok: false; error_code: number; description: string };

/** See the module comment. */
export class ProxyStream {
  readonly #db: Db;
  readonly #botId: string;
  #allowed: Set<string> | undefined;
  #waiter: { wake: (answer?: StreamAnswer) => void } | undefined;

  constructor(db: Db, botId: string) {
    this.#db = db;
    this.#botId = botId;
  }

  /** Remembers `allowed_updates` (Telegram keeps the last list given). */
  allow(list: string[] | undefined): void {
    if (list && list.length > 0) this.#allowed = new Set(list);
  }

  /** New updates arrived: wake a waiting long poll. */
  notify(): void {
    this.#waiter?.wake();
  }

  /** Ends a waiting long poll (e.g. when a webhook is set). */
  terminate(answer: StreamAnswer): void {
    this.#waiter?.wake(answer);
  }

  /** getUpdates: confirms below `offset`, then answers at once or within `timeoutSeconds`. */
  async getUpdates(offset: number | undefined, limit: number, timeoutSeconds: number): Promise<StreamAnswer> {
    // Like Telegram: the newer request wins; the one still waiting is told so.
    this.#waiter?.wake({ ok: false, error_code: 409, description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running" });
    if (offset !== undefined) await confirmProxyUpdates(this.#db, this.#botId, offset);
    const deadline = Date.now() + Math.max(0, timeoutSeconds) * 1000;
    for (;;) {
      const updates = await this.#next(offset ?? 0, limit);
      if (updates.length > 0 || Date.now() >= deadline) return { ok: true, result: updates };
      const early = await new Promise<StreamAnswer | undefined>((resolve) => {
        const timer = setTimeout(() => finish(undefined), deadline - Date.now());
        const waiter = { wake: (answer?: StreamAnswer) => finish(answer) };
        const finish = (answer: StreamAnswer | undefined) => {
          clearTimeout(timer);
          if (this.#waiter === waiter) this.#waiter = undefined;
          resolve(answer);
        };
        this.#waiter = waiter;
      });
      if (early) return early;
    }
  }

  /** The next queued updates the client wants; unwanted ones are dropped as Telegram would. */
  async #next(offset: number, limit: number): Promise<Update[]> {
    const rows = await proxyUpdatesFrom(this.#db, this.#botId, offset, limit);
    const wanted = rows.filter((u) => this.#wants(u));
    if (wanted.length < rows.length) {
      const unwanted = rows.filter((u) => !this.#wants(u)).map((u) => u.update_id);
      await this.#db.deleteFrom("proxy_updates").where("bot_id", "=", this.#botId).where("update_id", "in", unwanted).execute();
    }
    return wanted;
  }

  #wants(update: Update): boolean {
    const kind = Object.keys(update).find((k) => k !== "update_id") ?? "";
    return this.#allowed ? this.#allowed.has(kind) : !defaultExcluded.has(kind);
  }
}
