/**
 * "400 Bad Request: chat not found" does not say which chat: delivery tells the operators' group
 * (retried slowly, the deployment is wrong) from a user's chat (the account is gone: a notice,
 * no retries) and an operator's (a notice), by the chats the failed call named.
 */
import * as Effect from "effect/Effect";
import { describe, expect, it } from "vitest";
import type { Intent } from "../../src/conversation/intents.ts";
import { execute } from "../../src/pipeline/delivery/execute.ts";
import { ChatNotFound, NetworkError } from "../../src/telegram/errors.ts";
import { type Reply, scriptedTelegram } from "../support/scripted-telegram.ts";

const user = 7001;
const group = -1001234567890;
const notFound = (method: string) => new ChatNotFound({ method, description: "Bad Request: chat not found" });

const run = (intent: Intent, replies: Record<string, Reply[]>) => {
  const telegram = scriptedTelegram(replies);
  const outcome = Effect.runPromise(execute([intent], {
    client: telegram.client, groupId: group, chatId: user, topicId: 42,
    topicSideOf: async () => undefined, userSideOf: async () => undefined,
    ownerOfTopic: async () => undefined, creationsSending: () => false,
  }));
  return outcome.then((o) => ({ outcome: o, calls: telegram.calls.map((c) => `${c.method} ${c.params.chat_id}`) }));
};

describe("chat not found", () => {
  it("for a copy from a user whose chat is gone: the operators are told, nothing is retried", async () => {
    const { outcome, calls } = await run({ type: "copyToTopic", messageId: 5 }, { copyMessage: [notFound("copyMessage")], getChat: [notFound("getChat")] });
    expect(calls).toEqual([`copyMessage ${group}`, `getChat ${user}`]);
    expect(outcome).toMatchObject({ kind: "drop", notice: expect.stringContaining("the user's chat no longer exists") });
  });

  it("for a send to a user whose chat is gone: the conversation learns it like a deactivated account", async () => {
    for (const intent of [{ type: "sendToUser", text: "hi" }, { type: "copyToUser", messageId: 9 }] as Intent[]) {
      const { outcome } = await run(intent, { sendMessage: [notFound("sendMessage")], copyMessage: [notFound("copyMessage")], getChat: [notFound("getChat")] });
      expect(outcome).toMatchObject({ kind: "drop", events: [{ type: "delivery.blocked", reason: "vanished" }] });
    }
  });

  it("for the operators' group: kept and retried slowly, whether the call named it alone or with the user's chat", async () => {
    const created = await run({ type: "createTopic", name: "Ann" }, { createForumTopic: [notFound("createForumTopic")] });
    expect(created.calls).toEqual([`createForumTopic ${group}`]);
    expect(created.outcome).toMatchObject({ kind: "retry", capMs: 60_000, reason: expect.stringContaining("operators' group") });
    // The user's chat is there, so the group is the one missing.
    const copied = await run({ type: "copyToTopic", messageId: 5 }, { copyMessage: [notFound("copyMessage")], getChat: [{ result: { id: user, type: "private" } }] });
    expect(copied.outcome).toMatchObject({ kind: "retry", capMs: 60_000, reason: expect.stringContaining("operators' group") });
  });

  it("for an operator's private chat: a notice, no retries; and a retry when the chat cannot be told", async () => {
    const operator = await run({ type: "sendToOperator", operatorId: 99, text: "card" }, { sendMessage: [notFound("sendMessage")] });
    expect(operator.outcome).toMatchObject({ kind: "drop", notice: expect.stringContaining("operator") });
    const unknown = await run({ type: "copyToTopic", messageId: 5 }, { copyMessage: [notFound("copyMessage")], getChat: [new NetworkError({ method: "getChat", reason: "reset" })] });
    expect(unknown.outcome).toMatchObject({ kind: "retry", reason: expect.stringContaining("could not tell") });
    expect(unknown.outcome).not.toHaveProperty("capMs");
  });
});
