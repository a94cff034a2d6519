/**
 * mtcute's session storage on our own store (Kysely), keyed by bot: the MTProto session lives
 * next to the conversations it feeds, not in a side file, and needs no better-sqlite3 (which
 * does not load on Deno). Bytes are stored as base64 text, portable to any SQL backend.
 *
 * The update state (`updates_*` keys: pts, qts, date, seq, channel pts) is special: mtcute
 * writes it after it has emitted a batch of updates, then calls `driver.save()`. Those writes
 * are held in memory and reach the database only in `save()`, after `beforeSave` has resolved
 * — the session makes that wait until every emitted update is in the inbox. So the stored state
 * never runs ahead of the inbox: a crash makes catch-up fetch again, never skip.
 */
import { Buffer } from "node:buffer";
import type { ITelegramStorageProvider } from "@mtcute/core";
import type { Db } from "../../store/open.ts";

/** The permanent auth key's `idx` (temporary keys use 0, 1, …). */
const PERMANENT = -1;

const encode = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");
const decode = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "base64"));

/** Keys mtcute uses for the update state (see the module comment). */
const isUpdateState = (key: string) => key.startsWith("updates_");

/** A storage provider for one bot's MTProto session. */
export interface SqlMtprotoStorage extends ITelegramStorageProvider {
  /** Update-state writes not yet saved (for tests). */
  readonly pendingState: ReadonlyMap<string, Uint8Array | null>;
}

/** Builds the provider; `beforeSave` gates each save of the update state. */
export function sqlMtprotoStorage(db: Db, botId: string, beforeSave: () => Promise<void> = async () => {}): SqlMtprotoStorage {
  // null = deleted but not saved yet.
  const pending = new Map<string, Uint8Array | null>();

  // On the store or inside save()'s transaction.
  const putKv = (on: Db, key: string, value: Uint8Array) =>
    on.insertInto("mtproto_kv").values({ bot_id: botId, key, value: encode(value) })
      .onConflict((c) => c.columns(["bot_id", "key"]).doUpdateSet({ value: encode(value) })).execute();
  const deleteKv = (on: Db, key: string) => on.deleteFrom("mtproto_kv").where("bot_id", "=", botId).where("key", "=", key).execute();

  const kv: ITelegramStorageProvider["kv"] = {
    async set(key, value) {
      if (isUpdateState(key)) pending.set(key, value);
      else await putKv(db, key, value);
    },
    async get(key) {
      if (pending.has(key)) return pending.get(key) ?? null;
      const row = await db.selectFrom("mtproto_kv").select("value").where("bot_id", "=", botId).where("key", "=", key).executeTakeFirst();
      return row ? decode(row.value) : null;
    },
    async delete(key) {
      if (isUpdateState(key)) pending.set(key, null);
      else await deleteKv(db, key);
    },
    async deleteAll() {
      pending.clear();
      await db.deleteFrom("mtproto_kv").where("bot_id", "=", botId).execute();
    },
  };

  const putKey = (dc: number, idx: number, key: Uint8Array, expires: number) =>
    db.insertInto("mtproto_auth_keys").values({ bot_id: botId, dc, idx, key: encode(key), expires })
      .onConflict((c) => c.columns(["bot_id", "dc", "idx"]).doUpdateSet({ key: encode(key), expires })).execute();
  const dropKey = (dc: number, idx: number) =>
    db.deleteFrom("mtproto_auth_keys").where("bot_id", "=", botId).where("dc", "=", dc).where("idx", "=", idx).execute();
  const readKey = async (dc: number, idx: number) =>
    db.selectFrom("mtproto_auth_keys").select(["key", "expires"]).where("bot_id", "=", botId).where("dc", "=", dc).where("idx", "=", idx).executeTakeFirst();

  const authKeys: ITelegramStorageProvider["authKeys"] = {
    async set(dc, key) {
      if (key) await putKey(dc, PERMANENT, key, 0);
      else await dropKey(dc, PERMANENT);
    },
    async get(dc) {
      const row = await readKey(dc, PERMANENT);
      return row ? decode(row.key) : null;
    },
    async setTemp(dc, idx, key, expires) {
      if (key) await putKey(dc, idx, key, expires);
      else await dropKey(dc, idx);
    },
    async getTemp(dc, idx, now) {
      const row = await readKey(dc, idx);
      return row && Number(row.expires) > now ? decode(row.key) : null;
    },
    async deleteByDc(dc) {
      await db.deleteFrom("mtproto_auth_keys").where("bot_id", "=", botId).where("dc", "=", dc).execute();
    },
    async deleteAll() {
      await db.deleteFrom("mtproto_auth_keys").where("bot_id", "=", botId).execute();
    },
  };

  type PeerRow = { id: number; access_hash: string; is_min: number; usernames: string; updated: number; phone: string | null; complete: string };
  const toPeer = (r: PeerRow | undefined) =>
    r
      ? {
        id: Number(r.id), accessHash: r.access_hash, isMin: r.is_min === 1, usernames: JSON.parse(r.usernames) as string[],
        updated: Number(r.updated), ...(r.phone ? { phone: r.phone } : {}), complete: decode(r.complete),
      }
      : null;
  const peerColumns = ["id", "access_hash", "is_min", "usernames", "updated", "phone", "complete"] as const;

  const peers: ITelegramStorageProvider["peers"] = {
    async store(p) {
      const row = {
        access_hash: p.accessHash, is_min: p.isMin ? 1 : 0, usernames: JSON.stringify(p.usernames.map((u) => u.toLowerCase())),
        updated: p.updated, phone: p.phone ?? null, complete: encode(p.complete),
      };
      await db.insertInto("mtproto_peers").values({ bot_id: botId, id: p.id, ...row })
        .onConflict((c) => c.columns(["bot_id", "id"]).doUpdateSet(row)).execute();
    },
    async getById(id) {
      return toPeer(await db.selectFrom("mtproto_peers").select(peerColumns).where("bot_id", "=", botId).where("id", "=", id).executeTakeFirst());
    },
    async getByUsername(username) {
      // Usernames are stored lowercased in a JSON list; min peers carry no trustworthy hash.
      const rows = await db.selectFrom("mtproto_peers").select(peerColumns).where("bot_id", "=", botId).where("is_min", "=", 0)
        .where("usernames", "like", `%${JSON.stringify(username.toLowerCase())}%`).execute();
      return toPeer(rows.find((r) => (JSON.parse(r.usernames) as string[]).includes(username.toLowerCase())));
    },
    async getByPhone(phone) {
      return toPeer(await db.selectFrom("mtproto_peers").select(peerColumns).where("bot_id", "=", botId).where("is_min", "=", 0).where("phone", "=", phone).executeTakeFirst());
    },
    async deleteAll() {
      await db.deleteFrom("mtproto_peers").where("bot_id", "=", botId).execute();
    },
  };

  // Bots cannot use message references (they are for min peers of user accounts): nothing to keep.
  const refMessages: ITelegramStorageProvider["refMessages"] = {
    store() {},
    getByPeer: () => null,
    delete() {},
    deleteByPeer() {},
    deleteAll() {},
  };

  const driver: ITelegramStorageProvider["driver"] = {
    async save() {
      if (pending.size === 0) return;
      // Taken first: these writes describe updates emitted before now, which `beforeSave` waits for.
      const batch = [...pending];
      await beforeSave();
      await db.transaction().execute(async (tx) => {
        for (const [key, value] of batch) await (value === null ? deleteKv(tx, key) : putKv(tx, key, value));
      });
      for (const [key, value] of batch) if (pending.get(key) === value) pending.delete(key);
    },
  };

  return { driver, kv, authKeys, peers, refMessages, pendingState: pending };
}
