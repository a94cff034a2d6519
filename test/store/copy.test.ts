/**
 * Moving a deployment from a real SQLite file into a real PostgreSQL database
 * (`switchboard migrate --from … --to …` in-process): everything arrives, in order and with its
 * ids, an interrupted copy continues without copying a row twice, and a target that holds other
 * rows is refused.
 */
import type { Update } from "@grammyjs/types";
import type { Kysely } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { enqueue, heads } from "../../plugins/webhooks/queue.ts";
import { moveDeployment } from "../../src/move.ts";
import { migratePlugins } from "../../src/plugins/load.ts";
import { loadConversation, saveConversation } from "../../src/store/conversations.ts";
import { CopyError } from "../../src/store/copy.ts";
import { acceptUpdates, lastUpdateId, markProcessed, pendingUpdates } from "../../src/store/inbox.ts";
import { chatOfTopicMessage, recordPairs, topicSideOf } from "../../src/store/message-map.ts";
import { openStore } from "../../src/store/open.ts";
import { enqueueIntents, laneHead } from "../../src/store/outbox.ts";
import { proxyUpdatesFrom } from "../../src/store/proxy-updates.ts";
import { applyTimerEffects, dueTimers } from "../../src/store/timers.ts";
import { freshStorage } from "./with-store.ts";

const removals: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (removals.length > 0) await removals.pop()!();
});

async function fresh(engine: "sqlite" | "postgres"): Promise<string> {
  const storage = await freshStorage(engine);
  removals.push(storage.remove);
  return storage.url;
}

const BIG_CHAT = -1001234567890;
const PAIRS = 1_234;
const update = (id: number, chat: number, text: string) => ({ update_id: id, message: { message_id: Math.abs(id), date: 0, chat: { id: chat, type: "private", first_name: "a" }, text } }) as Update;
const snapshot = (name: string) => ({ value: "topic-open", context: { user: { id: 5, firstName: name }, note: "ünïcödé ✓" } });

/** A deployment's store as Switchboard leaves it: something in every table, ids beyond 2^31. */
async function populate(url: string): Promise<void> {
  const db = await openStore(url);
  try {
    await migratePlugins(db);
    // Synthetic (negative) ids interleave with Telegram's: the arrival order must survive.
    await acceptUpdates(db, "acme", [update(10, 5, "one"), update(-1_700_000_000_000_000, 5, "intercepted"), update(11, BIG_CHAT, "two")], 1_000, { mirror: (u) => u.update_id > 0 });
    await acceptUpdates(db, "acme", [update(12, 5, "three")], 2_000);
    await markProcessed(db, "acme", [10]);
    await saveConversation(db, "acme", { chatId: 5, topicId: 77, state: "topic-open", snapshot: snapshot("Ann") }, 1_000);
    await saveConversation(db, "acme", { chatId: BIG_CHAT, topicId: 78, state: "idle", snapshot: snapshot("Big") }, 1_000);
    await recordPairs(db, "acme", 5, Array.from({ length: PAIRS }, (_, i) => ({ userMessageId: i + 1, topicMessageId: 10_000 + i })), 1_000);
    await enqueueIntents(db, "acme", 5, [{ type: "copyToTopic", n: 1 }, { type: "copyToTopic", n: 2 }], 1_000);
    await enqueueIntents(db, "acme", BIG_CHAT, [{ type: "createTopic" }], 1_000);
    await applyTimerEffects(db, "acme", 5, [{ type: "setTimer", kind: "autoclose", dueAt: 9_000 }]);
    await enqueue(db, "acme", [{ urls: ["https://example.com/hook"], event: "message.received", eventId: "e1", body: "{}" }], 1_000);
    const raw = db as unknown as Kysely<any>;
    await raw.insertInto("mtproto_peers").values({ bot_id: "acme", id: 9_007_199_254_740_000, access_hash: "-123", is_min: 0, usernames: "[]", updated: 1, phone: null, complete: "AA==" }).execute();
  } finally {
    await db.destroy();
  }
}

describe("switchboard migrate --from sqlite --to postgres", () => {
  it("moves every table with its rows, order and ids, and the copy's counts match", async () => {
    const from = await fresh("sqlite");
    const to = await fresh("postgres");
    await populate(from);
    const lines: string[] = [];
    const { ok, counts } = await moveDeployment({ from, to, say: (l) => lines.push(l) });
    expect(ok).toBe(true);
    const byTable = Object.fromEntries(counts.map((c) => [c.table, [c.source, c.target]]));
    expect(byTable).toMatchObject({
      inbox: [4, 4], conversations: [2, 2], message_map: [PAIRS, PAIRS], outbox: [3, 3], timers: [1, 1], bot_state: [1, 1],
      proxy_updates: [2, 2], webhooks_queue: [1, 1], mtproto_peers: [1, 1],
    });
    expect(lines.some((l) => /^ {2}message_map +1,234 → 1,234 +ok$/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^OK: all \d+ tables match/);

    const db = await openStore(to);
    try {
      expect((await pendingUpdates(db, "acme", 10)).map((r) => r.updateId)).toEqual([-1_700_000_000_000_000, 11, 12]);
      expect(await lastUpdateId(db, "acme")).toBe(12);
      expect((await proxyUpdatesFrom(db, "acme", 0, 10)).map((u) => u.update_id)).toEqual([10, 11]);
      expect(await loadConversation(db, "acme", BIG_CHAT)).toEqual({ chatId: BIG_CHAT, topicId: 78, state: "idle", snapshot: snapshot("Big") });
      expect(await topicSideOf(db, "acme", 5, PAIRS)).toBe(10_000 + PAIRS - 1);
      expect(await chatOfTopicMessage(db, "acme", 10_000)).toBe(5);
      expect(await dueTimers(db, "acme", 10_000)).toEqual([{ chatId: 5, kind: "autoclose", dueAt: 9_000 }]);
      const lane = await laneHead<{ n: number }>(db, "acme", 5, 10);
      expect(lane.map((r) => [r.id, r.intent.n])).toEqual([[1, 1], [2, 2]]);
      // The identity moved past the copied ids: new rows queue behind the old ones.
      await enqueueIntents(db, "acme", 5, [{ type: "copyToTopic", n: 3 }], 3_000);
      expect((await laneHead(db, "acme", 5, 10)).map((r) => r.id)).toEqual([1, 2, 4]);
      expect((await heads(db, "acme")).map((r) => r.eventId)).toEqual(["e1"]);
      await enqueue(db, "acme", [{ urls: ["https://example.com/other"], event: "x", eventId: "e2", body: "{}" }], 3_000);
      expect((await heads(db, "acme")).map((r) => r.id)).toEqual([1, 2]);
      const peer = await (db as unknown as Kysely<any>).selectFrom("mtproto_peers").select("id").executeTakeFirstOrThrow();
      expect(peer.id).toBe(9_007_199_254_740_000);
    } finally {
      await db.destroy();
    }
  });

  it("an interrupted copy continues where it stopped and copies no row twice", async () => {
    const from = await fresh("sqlite");
    const to = await fresh("postgres");
    await populate(from);
    const lines: string[] = [];
    let chunks = 0;
    // The message map (no unique key: only the recorded progress prevents duplicates) is cut after its second chunk.
    const interrupt = (table: string) => {
      if (table === "message_map" && ++chunks === 2) throw new Error("interrupted");
    };
    await expect(moveDeployment({ from, to, say: (l) => lines.push(l), onChunk: interrupt })).rejects.toThrow("interrupted");
    const again = await moveDeployment({ from, to, say: (l) => lines.push(l) });
    expect(again.ok).toBe(true);
    expect(again.counts.find((c) => c.table === "message_map")).toEqual({ table: "message_map", source: PAIRS, target: PAIRS });
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}message_map +1,234 rows \(continued from an earlier run\)$/));
    // A third run finds everything copied and copies nothing.
    const third = await moveDeployment({ from, to, say: () => {} });
    expect(third.counts).toEqual(again.counts);
  });

  it("refuses a target that already holds other rows", async () => {
    const from = await fresh("sqlite");
    const to = await fresh("postgres");
    await populate(from);
    const other = await openStore(to);
    await saveConversation(other, "acme", { chatId: 1, topicId: null, state: "idle", snapshot: snapshot("Other") }, 0);
    await other.destroy();
    const error = await moveDeployment({ from, to, say: () => {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CopyError);
    expect((error as Error).message).toBe(`the target's table "conversations" already holds 1 row(s) that did not come from this copy: copy into a new, empty database`);
  });
});
