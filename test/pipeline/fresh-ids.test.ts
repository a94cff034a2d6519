/**
 * Synthetic ids made on two instances at once (pipeline/fresh-ids.ts): two generators on a
 * stalled clock hand out the same id; saved with `allFresh`, the second is rolled back and saved
 * again under a new id instead of being dropped as a duplicate; the MTProto session's accept
 * likewise keeps its update, while a catch-up's true duplicate (same source key) is still dropped.
 * On every engine.
 */
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import type { Update } from "@grammyjs/types";
import { acceptKeyed, withFreshIds } from "../../src/pipeline/fresh-ids.ts";
import { acceptIntake } from "../../src/store/inbox.ts";
import { query } from "../../src/store/store.ts";
import { syntheticUpdateIds } from "../../src/util/synthetic-id.ts";
import { storeOn, testEngines } from "../store/with-store.ts";

const intercepted = (id: number, text: string) => {
  const update = { update_id: id, switchboard_intercepted: { chat_id: 7, message: { message_id: 1, date: 0, chat: { id: 7, type: "private", first_name: "Ann" }, text } } };
  return { update: update as never, payload: JSON.stringify(update) };
};

describe.each(testEngines)("synthetic ids from two instances on %s", (engine) => {
  it("keeps both updates when two generators hand out the same id", () =>
    storeOn(engine)(async ({ db }) => {
      const stalled = () => 1_000;
      const a = syntheticUpdateIds(stalled);
      const b = syntheticUpdateIds(stalled);
      const save = (next: () => number, text: string) =>
        Effect.runPromise(withFreshIds(next, 1, ([id]) => query("accept", () => acceptIntake(db, "acme", { updates: [intercepted(id, text)], dead: [] }, 0, { allFresh: true }))));
      expect((await save(a, "from a")).fresh).toBe(1);
      expect((await save(b, "from b")).fresh).toBe(1);
      const rows = await db.selectFrom("inbox").select(["update_id", "payload"]).where("bot_id", "=", "acme").orderBy("update_id", "desc").execute();
      expect(rows.map((r) => [r.update_id, JSON.parse(r.payload).switchboard_intercepted.message.text])).toEqual([[-1_000_000, "from a"], [-1_000_001, "from b"]]);
      // Without `allFresh` the second of two equal ids is taken for Telegram re-sending an update, and dropped.
      const c = syntheticUpdateIds(stalled);
      expect((await acceptIntake(db, "acme", { updates: [intercepted(c(), "from c")], dead: [] }, 0)).fresh).toBe(0);
    }));

  it("the MTProto accept keeps its update when another instance's generator used its id, and still drops a true duplicate by its source key", () =>
    storeOn(engine)(async ({ db }) => {
      const stalled = () => 1_000;
      const front = syntheticUpdateIds(stalled);
      const owner = syntheticUpdateIds(stalled);
      // The inbox as the owner's bot has it, reduced to the store's accept.
      const inbox = {
        accept: (updates: readonly unknown[], from: { sourceKey?: (u: Update) => string | undefined; allFresh?: boolean }) =>
          Effect.map(query("accept", () => acceptIntake(db, "acme", { updates: (updates as Update[]).map((update) => ({ update, payload: JSON.stringify(update) })), dead: [] }, 0, { ...(from.sourceKey ? { sourceKey: from.sourceKey } : {}), ...(from.allFresh ? { allFresh: true } : {}) })), (r) => r.fresh),
      };
      // Another instance stored an intercepted message under the id the owner's generator gives next.
      expect(await Effect.runPromise(withFreshIds(front, 1, ([id]) => inbox.accept([intercepted(id, "from the front").update], { allFresh: true })))).toBe(1);
      const KEY = Symbol("source key");
      const post = { update_id: owner(), channel_post: { message_id: 5, date: 0, chat: { id: -100, type: "channel", title: "News" }, text: "post" }, [KEY]: "m:-100:5" } as unknown as Update;
      expect(post.update_id).toBe(-1_000_000);
      const keyOf = (u: Update) => (u as unknown as Record<symbol, string>)[KEY];
      expect(await Effect.runPromise(acceptKeyed(inbox, owner, [post], keyOf))).toBe(1);
      // Catch-up after a crash fetches it again under another id: a duplicate, dropped, no retry.
      expect(await Effect.runPromise(acceptKeyed(inbox, owner, [{ ...post, update_id: owner() }], keyOf))).toBe(0);
      const rows = await db.selectFrom("inbox").select(["update_id", "payload"]).where("bot_id", "=", "acme").orderBy("update_id", "desc").execute();
      expect(rows.map((r) => Object.keys(JSON.parse(r.payload))[1])).toEqual(["switchboard_intercepted", "channel_post"]);
    }));
});
