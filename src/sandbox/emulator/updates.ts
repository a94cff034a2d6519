/**
 * Per-bot update queue with Telegram's delivery rules: at-least-once getUpdates with offset
 * confirmation, long polling, one poller per token (409), no polling while a webhook is set, and
 * webhook push (one update at a time, in order, retried until a 2xx).
 */
import type { Update } from "@grammyjs/types";
import { ApiError, E } from "./errors.ts";

/** Update types Telegram leaves out unless allowed_updates names them. */
const OFF_BY_DEFAULT = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

/** An update without its id; the queue numbers it. */
export type UpdateBody = Omit<Update, "update_id">;

/** The type of an update: its one field besides update_id. */
export function updateType(u: UpdateBody | Update): string {
  return Object.keys(u).find((k) => k !== "update_id") ?? "unknown";
}

/** Executes a method a webhook answered with ("reply in the webhook response"). */
export type WebhookReplyDispatch = (method: string, params: Record<string, unknown>) => Promise<unknown>;

interface Webhook {
  url: string;
  secret?: string;
  allowed?: string[];
  maxConnections: number;
  lastErrorDate?: number;
  lastErrorMessage?: string;
}

interface Waiter {
  resolve: (updates: Update[]) => void;
  reject: (err: ApiError) => void;
}

/**
 * A queued update and its place in the queue. Offsets confirm places: for every update the
 * queue numbers itself, the place is its `update_id`; a raw update (see `pushRaw`) takes a place
 * too, whatever its own `update_id` says, as a real server's queue would.
 */
interface Queued {
  readonly place: number;
  readonly update: Update;
}

/** Options of {@link BotUpdates}. */
export interface BotUpdatesOptions {
  retryMs: number;
  /** Runs methods returned in webhook response bodies. */
  dispatch?: WebhookReplyDispatch;
  /** Called after every queued update (world change stream). */
  onUpdate?: (u: Update) => void;
}

/** The update queue and delivery state of one bot. */
export class BotUpdates {
  /** Every update ever generated, including ones filtered out by allowed_updates. */
  readonly all: Update[] = [];
  private pending: Queued[] = [];
  // Telegram starts update ids at an arbitrary positive number; a large one catches clients
  // that wrongly assume ids start at 1.
  private nextId = 100_000_000 + Math.floor(Math.random() * 1_000_000);
  private allowed: string[] | undefined;
  private waiter: Waiter | undefined;
  private webhook: Webhook | undefined;
  private delivering = false;
  private closed = false;
  /** Updates held back (Telegram delivering late): queued, but neither polled nor pushed. */
  private held = false;
  private readonly timers = new Set<{ timer: ReturnType<typeof setTimeout>; done: () => void }>();
  private readonly inflight = new Set<AbortController>();
  private readonly opts: BotUpdatesOptions;

  constructor(opts: BotUpdatesOptions) {
    this.opts = opts;
  }

  /** Queues an update (unless the current allowed_updates excludes its type) and delivers it. */
  push(body: UpdateBody): Update {
    const update = { update_id: this.nextId++, ...body } as Update;
    this.all.push(update);
    if (this.isAllowed(updateType(update))) {
      this.pending.push({ place: update.update_id, update });
      this.wake();
    }
    this.opts.onUpdate?.(update);
    return update;
  }

  /**
   * Queues `raw` as the next update exactly as given, as a broken Bot API server might send it
   * (tests of what a client does with a malformed update). It takes the next place in the queue
   * and is confirmed by an offset past that place like any other. Without an own `update_id`, it
   * gets the place as its id, unless `exact` (then it has none). `allowed_updates` does not
   * filter it.
   */
  pushRaw(raw: Record<string, unknown>, o: { exact?: boolean } = {}): Update {
    const place = this.nextId++;
    const update = ("update_id" in raw || o.exact ? raw : { update_id: place, ...raw }) as unknown as Update;
    this.all.push(update);
    this.pending.push({ place, update });
    this.wake();
    this.opts.onUpdate?.(update);
    return update;
  }

  /** Number of queued, unconfirmed updates. */
  get pendingCount(): number {
    return this.pending.length;
  }

  private isAllowed(type: string): boolean {
    const list = this.webhook ? this.webhook.allowed : this.allowed;
    if (!list || list.length === 0) return !OFF_BY_DEFAULT.has(type);
    return list.includes(type);
  }

  /** Holds updates back, or releases them (see `held`). */
  hold(on: boolean): void {
    this.held = on;
    if (!on) this.wake();
  }

  /** What getUpdates may hand out now. */
  private visible(limit: number): Update[] {
    return this.held ? [] : this.head(limit);
  }

  private wake(): void {
    if (this.held) return;
    if (this.webhook) {
      void this.deliverLoop();
      return;
    }
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w.resolve(this.visible(100));
    }
  }

  /**
   * getUpdates. Confirms updates below `offset`, answers at once when updates are queued, else
   * waits up to `timeout` seconds. A newer call terminates a waiting older one with 409.
   */
  async getUpdates(
    p: { offset?: number; limit?: number; timeout?: number; allowed_updates?: string[] },
    signal?: AbortSignal,
  ): Promise<Update[]> {
    if (this.webhook) throw new ApiError(409, E.conflictWebhook);
    if (p.allowed_updates) this.allowed = p.allowed_updates;
    if (p.offset !== undefined && p.offset > 0) {
      const offset = p.offset;
      this.pending = this.pending.filter((q) => q.place >= offset);
    }
    const limit = Math.min(Math.max(p.limit ?? 100, 1), 100);
    const older = this.waiter;
    if (older) {
      this.waiter = undefined;
      older.reject(new ApiError(409, E.conflictPolling));
    }
    if (this.visible(1).length > 0 || !p.timeout || p.timeout <= 0 || this.closed) {
      return this.visible(limit);
    }
    const timeoutMs = Math.min(p.timeout, 50) * 1000;
    return await new Promise<Update[]>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (this.waiter === waiter) this.waiter = undefined;
      };
      const waiter: Waiter = {
        resolve: () => {
          finish();
          resolve(this.visible(limit));
        },
        reject: (err) => {
          finish();
          reject(err);
        },
      };
      const timer = setTimeout(() => waiter.resolve([]), timeoutMs);
      // A client that hung up is no longer a poller: forget it so it cannot cause a 409 later.
      const onAbort = () => waiter.resolve([]);
      signal?.addEventListener("abort", onAbort);
      this.waiter = waiter;
    });
  }

  private head(limit: number): Update[] {
    return this.pending.slice(0, limit).map((q) => q.update);
  }

  /** setWebhook: switches the bot to push delivery. An empty url deletes the webhook. */
  setWebhook(p: {
    url: string;
    secret_token?: string;
    allowed_updates?: string[];
    drop_pending_updates?: boolean;
    max_connections?: number;
  }): void {
    if (!p.url) {
      this.deleteWebhook(p.drop_pending_updates);
      return;
    }
    const wh: Webhook = { url: p.url, maxConnections: p.max_connections ?? 40 };
    if (p.secret_token) wh.secret = p.secret_token;
    if (p.allowed_updates) wh.allowed = p.allowed_updates;
    else if (this.webhook?.allowed) wh.allowed = this.webhook.allowed;
    this.webhook = wh;
    if (p.drop_pending_updates) this.pending = [];
    // A waiting poller loses: Telegram terminates it the same way.
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w.reject(new ApiError(409, E.conflictWebhook));
    }
    void this.deliverLoop();
  }

  /** deleteWebhook: back to getUpdates. */
  deleteWebhook(dropPending?: boolean): void {
    this.webhook = undefined;
    if (dropPending) this.pending = [];
  }

  /** getWebhookInfo result. */
  webhookInfo(): Record<string, unknown> {
    const wh = this.webhook;
    if (!wh) return { url: "", has_custom_certificate: false, pending_update_count: this.pending.length };
    const info: Record<string, unknown> = {
      url: wh.url,
      has_custom_certificate: false,
      pending_update_count: this.pending.length,
      max_connections: wh.maxConnections,
      ip_address: "127.0.0.1",
    };
    if (wh.allowed) info.allowed_updates = wh.allowed;
    if (wh.lastErrorDate) {
      info.last_error_date = wh.lastErrorDate;
      info.last_error_message = wh.lastErrorMessage;
    }
    return info;
  }

  private async deliverLoop(): Promise<void> {
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (!this.closed && this.webhook && !this.held && this.pending.length > 0) {
        const wh = this.webhook;
        const queued = this.pending[0];
        const ok = await this.post(wh, queued.update);
        if (this.closed) return;
        if (ok) {
          if (this.pending[0] === queued) this.pending.shift();
        } else {
          await this.sleep(this.opts.retryMs);
        }
      }
    } finally {
      this.delivering = false;
    }
  }

  private async post(wh: Webhook, update: Update): Promise<boolean> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (wh.secret) headers["X-Telegram-Bot-Api-Secret-Token"] = wh.secret;
    const ctl = new AbortController();
    this.inflight.add(ctl);
    // Telegram gives up on a webhook request after about a minute; shorter keeps tests snappy.
    const timer = setTimeout(() => ctl.abort(), 30_000);
    try {
      const res = await fetch(wh.url, { method: "POST", headers, body: JSON.stringify(update), signal: ctl.signal });
      const text = await res.text();
      if (!res.ok) {
        wh.lastErrorDate = Math.floor(Date.now() / 1000);
        wh.lastErrorMessage = `Wrong response from the webhook: ${res.status} ${res.statusText}`;
        return false;
      }
      this.runReply(text);
      return true;
    } catch {
      wh.lastErrorDate = Math.floor(Date.now() / 1000);
      wh.lastErrorMessage = ctl.signal.aborted ? "Read timeout expired" : "Connection refused";
      return false;
    } finally {
      clearTimeout(timer);
      this.inflight.delete(ctl);
    }
  }

  // Telegram executes a method returned in the webhook response body; its outcome is not reported.
  private runReply(text: string): void {
    if (!this.opts.dispatch || !text) return;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return;
    }
    if (body && typeof body === "object" && typeof (body as { method?: unknown }).method === "string") {
      const { method, ...params } = body as { method: string } & Record<string, unknown>;
      this.opts.dispatch(method, params).catch(() => {});
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        done: resolve,
      };
      this.timers.add(entry);
    });
  }

  /** Stops delivery and releases a waiting poller with an empty answer. */
  close(): void {
    this.closed = true;
    this.waiter?.resolve([]);
    this.waiter = undefined;
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.done();
    }
    this.timers.clear();
    for (const c of this.inflight) c.abort();
  }
}
