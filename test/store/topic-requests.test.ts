/** Topic creations in flight: one per title and bot, settled with the topic, stale ones freed. */
import { describe, expect, it } from "vitest";
import { enqueueIntents, laneHead, removeIntents } from "../../src/store/outbox.ts";
import { claimTopicRequest, forgetStaleTopicRequest, forgetTopicRequests, stampTopicRequest, topicRequestNamed, topicRequestsInFlight } from "../../src/store/topic-requests.ts";
import { storeOn, testEngines } from "./with-store.ts";

describe.each(testEngines)("topic requests on %s", (engine) => {
  const withStore = storeOn(engine);
  it("a title names one creation at a time; an attempt is stamped; settling frees the title", () =>
    withStore(async ({ db }) => {
      const ann = { name: "🟪 Ann", chatId: 1, outboxId: 10, sentAt: 100 };
      expect(await claimTopicRequest(db, "b", ann)).toEqual({ holder: ann, fresh: true });
      // Its own retry finds it in doubt; another Ann waits; another bot has its own titles.
      expect(await claimTopicRequest(db, "b", { ...ann, sentAt: 200 })).toEqual({ holder: ann, fresh: false });
      expect(await claimTopicRequest(db, "b", { ...ann, chatId: 2, outboxId: 20 })).toEqual({ holder: ann, fresh: false });
      expect((await claimTopicRequest(db, "other", { ...ann, outboxId: 30 })).fresh).toBe(true);
      await stampTopicRequest(db, "b", 10, 300);
      expect(await topicRequestNamed(db, "b", "🟪 Ann")).toEqual({ ...ann, sentAt: 300 });
      expect(await topicRequestsInFlight(db, "b")).toEqual([10]);
      await forgetTopicRequests(db, "b", [10]);
      expect(await topicRequestsInFlight(db, "b")).toEqual([]);
      expect((await claimTopicRequest(db, "b", { ...ann, chatId: 2, outboxId: 20 })).fresh).toBe(true);
    }));

  it("names compare as Telegram keeps them, without surrounding blanks", () =>
    withStore(async ({ db }) => {
      const ann = { name: "🟪 Ann ", chatId: 1, outboxId: 10, sentAt: 100 };
      expect((await claimTopicRequest(db, "b", ann)).fresh).toBe(true);
      // The forum_topic_created service message carries the name without the trailing blank.
      expect(await topicRequestNamed(db, "b", "🟪 Ann")).toMatchObject({ chatId: 1, outboxId: 10 });
      expect((await claimTopicRequest(db, "b", { ...ann, name: "🟪 Ann", chatId: 2, outboxId: 20 })).fresh).toBe(false);
    }));

  it("a creation whose outbox row is gone is stale: its title is freed", () =>
    withStore(async ({ db }) => {
      await enqueueIntents(db, "b", 1, [{ type: "createTopic", name: "🟪 Ann" }], 0);
      const [row] = await laneHead(db, "b", 1, 1);
      await claimTopicRequest(db, "b", { name: "🟪 Ann", chatId: 1, outboxId: row.id, sentAt: 0 });
      expect(await forgetStaleTopicRequest(db, "b", "🟪 Ann")).toBe(false);
      await removeIntents(db, [row.id]);
      expect(await forgetStaleTopicRequest(db, "b", "🟪 Ann")).toBe(true);
      expect(await topicRequestNamed(db, "b", "🟪 Ann")).toBeUndefined();
    }));
});
