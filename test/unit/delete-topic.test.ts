/**
 * An orphan topic's deletion waits only while a creation that may claim it is being sent: one
 * merely recorded (in doubt, or left by a killed run) can never bring its topic in an answer.
 */
import * as Effect from "effect/Effect";
import { describe, expect, it } from "vitest";
import { execute } from "../../src/pipeline/delivery/execute.ts";
import { scriptedTelegram } from "../support/scripted-telegram.ts";

const group = -1001234567890;

const run = (sending: readonly number[]) => {
  const telegram = scriptedTelegram({ deleteForumTopic: [{ result: true }] });
  const outcome = Effect.runPromise(execute([{ type: "deleteTopic", topicId: 42, unlessClaimedBy: [5, 6] }], {
    client: telegram.client, groupId: group, chatId: group, topicId: null,
    topicSideOf: async () => undefined, userSideOf: async () => undefined,
    ownerOfTopic: async () => undefined, creationsSending: (ids) => ids.some((id) => sending.includes(id)),
  }));
  return outcome.then((o) => ({ outcome: o, calls: telegram.calls.map((c) => c.method) }));
};

describe("deleting an orphan topic", () => {
  it("waits while a creation in flight when it was found is being sent", async () => {
    const { outcome, calls } = await run([6]);
    expect(outcome.kind).toBe("retry");
    expect(calls).toEqual([]);
  });

  it("goes ahead when those creations are only recorded, not being sent", async () => {
    const { outcome, calls } = await run([7]);
    expect(outcome.kind).toBe("done");
    expect(calls).toEqual(["deleteForumTopic"]);
  });
});
