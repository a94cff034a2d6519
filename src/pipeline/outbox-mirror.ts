/**
 * A mirror of a bot's outbox lanes in memory, so that a lane's turn finds its head without SQL.
 * It works because the rows a lane delivers were written moments ago by this very process: only
 * the bot's owner writes its outbox (other instances write only the inbox, and the fenced handle,
 * store/fencing.ts, makes a former owner's writes fail), and every write the owner makes goes
 * through a {@link OutboxWrite} that reaches the mirror after its transaction commits.
 *
 * What the mirror shows is always what is durable: a lane is *known* only when a read of the
 * store installed it complete (fewer rows than asked, or the whole outbox at once), and a read
 * installs only when no write transaction overlapped it (none open at its start or end, none
 * ended meanwhile). Every later write then reaches the mirror after it commits, in order; a
 * write that failed (rolled back, or in doubt) forgets everything, and the store is read again.
 * Memory is bounded: past `maxRows` rows the mirror forgets everything too.
 *
 * Two modes: after the whole outbox was read (`restEmpty`), a lane not in the mirror is empty,
 * so a new message's lane is served from memory from its first turn; otherwise only the lanes
 * read complete are known, and an empty lane is not kept.
 */
import type { OutboxRow } from "../store/outbox.ts";

/** What one write transaction did to the outbox; handed to the mirror after it committed. */
export class OutboxWrite<I = unknown> {
  /** Rows inserted, with their ids. */
  readonly added: OutboxRow<I>[] = [];
  /** Ids of rows deleted (rows not in the outbox are ignored). */
  readonly removed: number[] = [];
  /** Rows postponed: their new `not_before` and attempt count. */
  readonly deferred: { id: number; notBefore: number; attempts: number }[] = [];
}

/** See the module comment. `I` is the caller's intent type. */
export class OutboxMirror<I = unknown> {
  /** Known lanes, rows in id order, never empty. */
  readonly #lanes = new Map<number, OutboxRow<I>[]>();
  /** The lane of each row in `#lanes`. */
  readonly #chatOf = new Map<number, number>();
  #rows = 0;
  /** Every lane not in `#lanes` is empty (the whole outbox was read). */
  #restEmpty = false;
  /** Write transactions begun and not yet ended. */
  #writing = 0;
  /** Counts ended writes and resets: a read installs only if it did not change meanwhile. */
  #version = 0;
  readonly maxRows: number;

  /**
   * Rows held by every mirror of the process, and their bound: hundreds of bots in a backlog at
   * once (Telegram down, a long 429) read their lanes from the store as before, rather than
   * hold them all in memory.
   */
  static #held = 0;
  static processMaxRows = 20_000;

  /** Rows held by every mirror of the process now. */
  static get heldInProcess(): number {
    return OutboxMirror.#held;
  }

  constructor(maxRows = 10_000) {
    this.maxRows = maxRows;
  }

  /** Whether `more` rows would pass this mirror's or the process's bound. */
  #over(more: number): boolean {
    return this.#rows + more > this.maxRows || OutboxMirror.#held + more > OutboxMirror.processMaxRows;
  }

  #count(delta: number): void {
    this.#rows += delta;
    OutboxMirror.#held += delta;
  }

  /** The lane's rows (oldest first; empty when it is known empty), or undefined when unknown. */
  lane(chatId: number): readonly OutboxRow<I>[] | undefined {
    return this.#lanes.get(chatId) ?? (this.#restEmpty ? empty : undefined);
  }

  /** Whether every lane is known (the whole outbox was read). */
  get complete(): boolean {
    return this.#restEmpty;
  }

  /** How many rows the mirror holds. */
  get size(): number {
    return this.#rows;
  }

  /** Every chat with rows (meaningful when {@link complete}). */
  chats(): number[] {
    return [...this.#lanes.keys()];
  }

  /**
   * Stamp a store read takes when it starts; {@link install} and {@link installAll} accept its
   * rows only if it is still current then. Undefined while a write is open: nothing read now may
   * be installed.
   */
  readStamp(): number | undefined {
    return this.#writing === 0 ? this.#version : undefined;
  }

  /** A write transaction begins: reads overlapping it are not installed. */
  begin(): void {
    this.#writing += 1;
  }

  /** The write transaction begun last ended: `write` is what it committed, undefined if it failed. */
  end(write: OutboxWrite<I> | undefined): void {
    this.#writing -= 1;
    this.#version += 1;
    if (write === undefined) return this.reset();
    for (const row of write.added) this.#add(row);
    for (const id of write.removed) this.#remove(id);
    for (const d of write.deferred) this.#defer(d.id, d.notBefore, d.attempts);
    if (this.#over(0)) this.reset();
  }

  /** Forgets every lane (after a store error, or when too big): the store is read again. */
  reset(): void {
    this.#lanes.clear();
    this.#chatOf.clear();
    this.#count(-this.#rows);
    this.#restEmpty = false;
    this.#version += 1;
  }

  /**
   * A read of lane `chatId` that began at `stamp` answered `rows`, all the lane holds: the lane
   * becomes known unless a write overlapped the read. True if installed.
   */
  install(chatId: number, rows: readonly OutboxRow<I>[], stamp: number | undefined): boolean {
    if (!this.#current(stamp) || this.#restEmpty || rows.length === 0 || this.#lanes.has(chatId)) return false;
    if (this.#over(rows.length)) return false;
    this.#lanes.set(chatId, [...rows]);
    for (const row of rows) this.#chatOf.set(row.id, chatId);
    this.#count(rows.length);
    return true;
  }

  /**
   * A read of the whole outbox that began at `stamp` answered `rows` (all of them, oldest
   * first): every lane becomes known unless a write overlapped the read or it is too big.
   */
  installAll(rows: readonly OutboxRow<I>[], stamp: number | undefined): boolean {
    if (!this.#current(stamp) || rows.length > this.maxRows) return false;
    this.reset();
    if (this.#over(rows.length)) return false;
    for (const row of rows) this.#append(row);
    this.#restEmpty = true;
    return true;
  }

  #current(stamp: number | undefined): boolean {
    return stamp !== undefined && this.#writing === 0 && this.#version === stamp;
  }

  #append(row: OutboxRow<I>): void {
    const lane = this.#lanes.get(row.chatId);
    if (lane) lane.push(row);
    else this.#lanes.set(row.chatId, [row]);
    this.#chatOf.set(row.id, row.chatId);
    this.#count(1);
  }

  #add(row: OutboxRow<I>): void {
    const lane = this.#lanes.get(row.chatId);
    if (!lane) {
      if (this.#restEmpty) this.#append(row);
      return; // an unknown lane stays unknown
    }
    if (this.#chatOf.has(row.id)) return;
    // Nearly always the newest; a row of a transaction that committed after a later one's ids
    // were taken (PostgreSQL) goes to its place.
    let at = lane.length;
    while (at > 0 && lane[at - 1].id > row.id) at -= 1;
    lane.splice(at, 0, row);
    this.#chatOf.set(row.id, row.chatId);
    this.#count(1);
  }

  #remove(id: number): void {
    const chatId = this.#chatOf.get(id);
    if (chatId === undefined) return;
    this.#chatOf.delete(id);
    this.#count(-1);
    const lane = this.#lanes.get(chatId)!;
    if (lane.length === 1) return void this.#lanes.delete(chatId);
    lane.splice(lane[0].id === id ? 0 : lane.findIndex((r) => r.id === id), 1);
  }

  #defer(id: number, notBefore: number, attempts: number): void {
    const chatId = this.#chatOf.get(id);
    if (chatId === undefined) return;
    const lane = this.#lanes.get(chatId)!;
    const at = lane.findIndex((r) => r.id === id);
    // A new object: whoever holds the old one (a lane's batch) keeps what it read.
    lane[at] = { ...lane[at], notBefore, attempts };
  }
}

const empty: readonly never[] = Object.freeze([]);
