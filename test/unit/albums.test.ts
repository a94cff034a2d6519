/** The lane's album batching: an album travels as one, past the rows its first item's step queued. */
import { describe, expect, it } from "vitest";
import type { Intent } from "../../src/conversation/intents.ts";
import { nextBatch } from "../../src/pipeline/delivery/albums.ts";
import type { OutboxRow } from "../../src/pipeline/outbox.ts";

let nextId = 1;
const row = (intent: Intent, createdAt = 0): OutboxRow => ({ id: nextId++, chatId: 1, intent, createdAt, notBefore: 0, attempts: 0 });
const item = (messageId: number, createdAt = 0, mediaGroupId = "A"): OutboxRow => row({ type: "copyToTopic", messageId, mediaGroupId }, createdAt);
const ids = (batch: OutboxRow[] | "wait") => (batch === "wait" ? batch : batch.map((r) => (r.intent as { messageId?: number }).messageId ?? r.intent.type));

describe("nextBatch", () => {
  it("gathers an album's items past the welcome and the card its first item's step queued", () => {
    const rows = [item(1), row({ type: "sendToUser", text: "Welcome" }), row({ type: "sendToTopic", text: "ℹ️ card" }), item(2), item(3), row({ type: "copyToTopic", messageId: 4 })];
    expect(ids(nextBatch(rows, 1_000, 400))).toEqual([1, 2, 3]);
  });

  it("waits while the album may still grow, and not once something that must follow it is queued", () => {
    expect(nextBatch([item(1, 900), row({ type: "sendToUser", text: "Welcome" }), item(2, 950)], 1_000, 400)).toBe("wait");
    expect(ids(nextBatch([item(1, 900), item(2, 950), row({ type: "copyToTopic", messageId: 3 })], 1_000, 400))).toEqual([1, 2]);
  });

  it("never passes a topic change or another message's copy", () => {
    expect(ids(nextBatch([item(1), row({ type: "closeTopic" }), item(2)], 1_000, 400))).toEqual([1]);
    expect(ids(nextBatch([item(1), row({ type: "copyToTopic", messageId: 5 }), item(2)], 1_000, 400))).toEqual([1]);
    expect(ids(nextBatch([item(1), item(2, 0, "B")], 1_000, 400))).toEqual([1]);
  });
});
