/**
 * Migrating a store created by an earlier release, on every engine: a store at migration 0003
 * (the outbox still with its `lane` column) with queued rows opens on the newest schema and
 * keeps its rows, in order; a store at 0004 keeps the parallel system's queued updates, each in
 * its chat's lane; and the newest schema migrates down again.
 */
import { type Kysely, NO_MIGRATIONS } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { migrateStore } from "../../src/store/migrations.ts";
import { openStore, openWith } from "../../src/store/open.ts";
import { enqueueIntents, laneHead } from "../../src/store/outbox.ts";
import { proxyLaneHead, proxyLanes } from "../../src/store/proxy-updates.ts";
import { dialectOf } from "../../src/store/url.ts";
import { freshStorage, testEngines, type TestEngine } from "./with-store.ts";

const removals: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (removals.length > 0) await removals.pop()!();
});

/** A fresh, empty store URL of `engine`, removed after the test. */
async function freshUrl(engine: TestEngine): Promise<string> {
  const storage = await freshStorage(engine);
  removals.push(storage.remove);
  return storage.url;
}

/** A store as release 0003 left it, with rows queued the way that release queued them. */
async function storeAt0003(url: string): Promise<void> {
  const dialect = dialectOf(url);
  const db = (await openWith(dialect, url)) as unknown as Kysely<any>;
  try {
    await migrateStore(db, dialect, "0003_mtproto");
    const row = (chat: number, n: number) => ({ bot_id: "b", lane: `c:${chat}`, chat_id: chat, intent: JSON.stringify({ type: "copyToTopic", n }), attempts: n, not_before: 0, created_at: n });
    await db.insertInto("outbox").values([row(1, 1), row(2, 2), row(1, 3), row(1, 4)]).execute();
  } finally {
    await db.destroy();
  }
}

describe.each(testEngines)("migrations on %s", (engine) => {
  it("0004 drops the outbox lane column and keeps every queued row, in order", async () => {
    const url = await freshUrl(engine);
    await storeAt0003(url);
    const db = await openStore(url);
    try {
      const columns = Object.keys((await db.selectFrom("outbox").selectAll().executeTakeFirstOrThrow()) as object);
      expect(columns).not.toContain("lane");
      const head = await laneHead<{ n: number }>(db, "b", 1, 10);
      expect(head.map((r) => [r.intent.n, r.attempts])).toEqual([[1, 1], [3, 3], [4, 4]]);
      expect((await laneHead<{ n: number }>(db, "b", 2, 10)).map((r) => r.intent.n)).toEqual([2]);
      // New rows queue behind the old ones.
      await enqueueIntents(db, "b", 1, [{ type: "copyToTopic", n: 5 }], 5);
      expect((await laneHead<{ n: number }>(db, "b", 1, 10)).map((r) => r.intent.n)).toEqual([1, 3, 4, 5]);
    } finally {
      await db.destroy();
    }
  });

  it("0004 migrates down again, restoring each row's lane", async () => {
    const url = await freshUrl(engine);
    const db = await openStore(url);
    try {
      await enqueueIntents(db, "b", 7, [{ n: 1 }, { n: 2 }], 0);
      await migrateStore(db, dialectOf(url), "0003_mtproto");
      const rows = await (db as unknown as Kysely<any>).selectFrom("outbox").select(["lane", "chat_id"]).orderBy("id").execute();
      expect(rows).toEqual([{ lane: "c:7", chat_id: 7 }, { lane: "c:7", chat_id: 7 }]);
    } finally {
      await db.destroy();
    }
  });

  it("0005 puts the parallel system's queued updates in their chats' lanes, keeping them", async () => {
    const url = await freshUrl(engine);
    const old = (await openWith(dialectOf(url), url)) as unknown as Kysely<any>;
    const message = (id: number, chat: number) => ({ update_id: id, message: { message_id: id, date: 0, chat: { id: chat, type: "private" }, text: `m${id}` } });
    try {
      await migrateStore(old, dialectOf(url), "0004_outbox_without_lane");
      await old.insertInto("proxy_updates").values([message(1, 7), message(2, 8), message(3, 7)].map((u) => ({ bot_id: "b", update_id: u.update_id, payload: JSON.stringify(u) }))).execute();
    } finally {
      await old.destroy();
    }
    const db = await openStore(url);
    try {
      expect(await proxyLanes(db, "b")).toEqual(["7", "8"]);
      expect(await proxyLaneHead(db, "b", "7")).toEqual({ update: message(1, 7), attempts: 0, nextAt: 0, queuedAt: 0 });
      expect((await proxyLaneHead(db, "b", "8"))?.update.update_id).toBe(2);
    } finally {
      await db.destroy();
    }
  });

  it("every migration migrates down to nothing and up again", async () => {
    const url = await freshUrl(engine);
    const db = (await openStore(url)) as unknown as Kysely<any>;
    try {
      const tables = async () => (await db.introspection.getTables()).map((t) => t.name).sort();
      const newest = await tables();
      expect(newest).toEqual(expect.arrayContaining(["bot_state", "conversations", "inbox", "message_map", "mtproto_auth_keys", "mtproto_kv", "mtproto_own_sends", "mtproto_peers", "outbox", "proxy_updates", "timers"]));
      await migrateStore(db, dialectOf(url), NO_MIGRATIONS);
      expect(await tables()).toEqual([]);
      await migrateStore(db, dialectOf(url));
      expect(await tables()).toEqual(newest);
    } finally {
      await db.destroy();
    }
  });
});
