/** Conversations and the message map on every storage engine (a fresh store per test). */
import { describe, expect, it } from "vitest";
import { chatOfTopic, countConversations, loadConversation, saveConversation } from "../../src/store/conversations.ts";
import { chatOfTopicMessage, recordPairs, topicSideOf, userSideOf } from "../../src/store/message-map.ts";
import { readStartState } from "../../src/store/start-state.ts";
import { storeOn, testEngines } from "./with-store.ts";

interface TestSnapshot {
  value: string;
  context: { user: { id: number; firstName: string }; note: string };
}
const snapshot = (note: string): TestSnapshot => ({ value: "topic-open", context: { user: { id: 5, firstName: "Ann" }, note } });

describe.each(testEngines)("conversations on %s", (engine) => {
  const withStore = storeOn(engine);
  it("saves, replaces and loads a conversation with the caller's snapshot type", () =>
    withStore(async ({ db }) => {
      expect(await loadConversation(db, "b", 5)).toBeUndefined();
      await saveConversation(db, "b", { chatId: 5, topicId: null, state: "idle", snapshot: snapshot("first") }, 100);
      await saveConversation(db, "b", { chatId: 5, topicId: 77, state: "topic-open", snapshot: snapshot("second") }, 200);
      const row = await loadConversation<TestSnapshot>(db, "b", 5);
      expect(row).toEqual({ chatId: 5, topicId: 77, state: "topic-open", snapshot: snapshot("second") });
      const raw = await db.selectFrom("conversations").select(["user", "created_at", "updated_at"]).executeTakeFirstOrThrow();
      expect(raw).toEqual({ user: JSON.stringify({ id: 5, firstName: "Ann" }), created_at: 100, updated_at: 200 });
      expect(await chatOfTopic(db, "b", 77)).toBe(5);
      expect(await chatOfTopic(db, "other", 77)).toBeUndefined();
      await saveConversation(db, "b", { chatId: 6, topicId: null, state: "idle", snapshot: snapshot("x") }, 300);
      expect(await countConversations(db, "b")).toEqual({ "topic-open": 1, idle: 1 });
    }));

  it("keeps Telegram's ids beyond 2^31 (supergroup chats, synthetic update ids) and times as plain numbers", () =>
    withStore(async ({ db }) => {
      const chat = -1001234567890;
      const at = 1_750_000_000_123;
      await saveConversation(db, "b", { chatId: chat, topicId: 2_000_000_000, state: "idle", snapshot: snapshot("big") }, at);
      expect(await loadConversation<TestSnapshot>(db, "b", chat)).toMatchObject({ chatId: chat, topicId: 2_000_000_000 });
      expect(await chatOfTopic(db, "b", 2_000_000_000)).toBe(chat);
      await recordPairs(db, "b", chat, [{ userMessageId: 2_147_483_000, topicMessageId: 9 }], at);
      expect(await userSideOf(db, "b", chat, 9)).toBe(2_147_483_000);
      expect(await chatOfTopicMessage(db, "b", 9)).toBe(chat);
      const raw = await db.selectFrom("conversations").select(["chat_id", "created_at"]).executeTakeFirstOrThrow();
      expect(raw).toEqual({ chat_id: chat, created_at: at });
      expect(await countConversations(db, "b")).toEqual({ idle: 1 });
    }));

  it("maps messages both ways; after an in-doubt resend the newest copy wins", () =>
    withStore(async ({ db }) => {
      await recordPairs(db, "b", 5, [{ userMessageId: 1, topicMessageId: 101 }, { userMessageId: 2, topicMessageId: 102 }], 10);
      await recordPairs(db, "b", 5, [{ userMessageId: 3, topicMessageId: 102 }], 20);
      await recordPairs(db, "b", 5, [], 30);
      expect(await topicSideOf(db, "b", 5, 1)).toBe(101);
      expect(await userSideOf(db, "b", 5, 101)).toBe(1);
      expect(await userSideOf(db, "b", 5, 102)).toBe(3);
      expect(await chatOfTopicMessage(db, "b", 102)).toBe(5);
      expect(await topicSideOf(db, "b", 6, 1)).toBeUndefined();
      expect(await chatOfTopicMessage(db, "other", 101)).toBeUndefined();
    }));

  it("knows the newest topic message a bot's pairs record", () =>
    withStore(async ({ db }) => {
      expect((await readStartState(db, "b")).newestTopicMessageId).toBe(0);
      await recordPairs(db, "b", 5, [{ userMessageId: 1, topicMessageId: 2_000_000_101 }, { userMessageId: 2, topicMessageId: 99 }], 10);
      await recordPairs(db, "other", 6, [{ userMessageId: 1, topicMessageId: 2_000_000_500 }], 10);
      expect((await readStartState(db, "b")).newestTopicMessageId).toBe(2_000_000_101);
    }));
});
