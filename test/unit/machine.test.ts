/** The conversation machine as a pure function: (snapshot, event) → (snapshot, intents). */
import type { Message } from "@grammyjs/types";
import { describe, expect, it } from "vitest";
import { createConversationMachine } from "../../src/conversation/machine.ts";
import { step, type StoredSnapshot } from "../../src/conversation/step.ts";

const user = { id: 7, firstName: "Ann", lastName: "Lee" };
const input = { chatId: 7, user };
const msg = (id: number, extra: Partial<Message> = {}) => ({ message_id: id, date: 0, chat: { id: 7, type: "private" }, text: `t${id}`, ...extra }) as Message;
const machine = createConversationMachine();

/**
 * Steps `events` in turn. Each step also runs from the snapshot as read back from the store
 * (JSON): a step from the snapshot in memory (which step.ts keeps resolved) must give exactly
 * the same.
 */
function run(events: Parameters<typeof step>[3][]) {
  let snapshot: StoredSnapshot | undefined;
  const all = [];
  for (const e of events) {
    const r = step(machine, snapshot, input, e);
    const stored = snapshot && (JSON.parse(JSON.stringify(snapshot)) as StoredSnapshot);
    expect(step(machine, stored, input, e)).toEqual(r);
    snapshot = r.snapshot;
    all.push(r);
  }
  return all;
}

describe("conversation machine", () => {
  it("first contact: topic and copy (the welcome is a plugin's)", () => {
    const [r] = run([{ type: "user.message", message: msg(1), user }]);
    expect(r.state).toBe("topic-open");
    expect(r.status).toBe("user_answered");
    expect(r.intents).toEqual([
      { type: "createTopic", name: "🟪 Ann Lee" },
      { type: "copyToTopic", messageId: 1 },
    ]);
  });

  it("remembers the topic and flips statuses with titles only on change", () => {
    const rs = run([
      { type: "user.message", message: msg(1), user },
      { type: "topic.created", topicId: 50 },
      { type: "user.message", message: msg(2), user },
      { type: "operator.message", message: msg(9) },
      { type: "operator.message", message: msg(10), replyToTopicMessageId: 3 },
    ]);
    expect(rs[1].snapshot.context.topicId).toBe(50);
    expect(rs[2].intents).toEqual([{ type: "copyToTopic", messageId: 2 }]);
    expect(rs[3].intents).toEqual([{ type: "copyToUser", messageId: 9 }, { type: "editTopic", name: "🟨 Ann Lee" }]);
    expect(rs[4].intents).toEqual([{ type: "copyToUser", messageId: 10, replyToTopicMessageId: 3 }]);
  });

  it("a user's message keeps their profile as it now is and lifts a block; a message that changes neither leaves the context alone", () => {
    const renamed = { ...user, lastName: "Smith", username: "ann" };
    const rs = run([
      { type: "user.message", message: msg(1), user },
      { type: "topic.created", topicId: 50 },
      { type: "user.message", message: msg(2), user: { ...user } },
      { type: "user.message", message: msg(3), user: renamed },
      { type: "user.blocked" },
      { type: "user.message", message: msg(4), user: renamed },
      { type: "user.message", message: msg(5), user: { id: 7, firstName: "Ann", lastName: "Smith" } },
      // As many keys, one of them undefined on the old side and another new on this one.
      { type: "user.message", message: msg(6), user: { id: 7, firstName: "Ann", lastName: undefined } as unknown as typeof user },
      { type: "user.message", message: msg(7), user: { id: 7, firstName: "Ann", username: "annie" } as unknown as typeof user },
    ]);
    // The same profile again (a new object): the context, and so the stored snapshot, stay as they were.
    expect(rs[2].snapshot.context).toBe(rs[1].snapshot.context);
    expect(rs[3].snapshot.context.user).toEqual(renamed);
    expect(rs[4].snapshot.context.blocked).toBe(true);
    expect(rs[5].snapshot.context).toMatchObject({ user: renamed, blocked: false });
    // A field gone (the username) is a change too.
    expect(rs[6].snapshot.context.user).toEqual({ id: 7, firstName: "Ann", lastName: "Smith" });
    expect(rs[8].snapshot.context.user).toEqual({ id: 7, firstName: "Ann", username: "annie" });
    expect(rs.slice(2).every((r) => r.state === "topic-open")).toBe(true);
  });

  it("a second topic for a conversation that has one is deleted; the same topic again changes nothing", () => {
    const rs = run([
      { type: "user.message", message: msg(1), user },
      { type: "topic.created", topicId: 50 },
      // The answer of a creation whose topic was adopted from its service message.
      { type: "topic.created", topicId: 50 },
      // A retry made another topic before the first one's service message arrived.
      { type: "topic.created", topicId: 61 },
    ]);
    expect(rs[2].intents).toEqual([]);
    expect(rs[2].snapshot.context.topicId).toBe(50);
    expect(rs[3].intents).toEqual([{ type: "deleteTopic", topicId: 61 }]);
    expect(rs[3].snapshot.context.topicId).toBe(50);
  });

  it("close → reopen on the next user message", () => {
    const rs = run([
      { type: "user.message", message: msg(1), user },
      { type: "operator.command", command: { name: "close", args: "" }, message: msg(5) },
      { type: "user.message", message: msg(2), user },
    ]);
    expect(rs[1].state).toBe("closed");
    expect(rs[1].intents.map((i) => i.type)).toEqual(["editTopic", "closeTopic"]);
    expect(rs[2].intents.map((i) => i.type)).toEqual(["reopenTopic", "editTopic", "copyToTopic"]);
  });

  it("ban ignores the user until unban", () => {
    const rs = run([
      { type: "user.message", message: msg(1), user },
      { type: "operator.command", command: { name: "ban", args: "" }, message: msg(5) },
      { type: "user.message", message: msg(2), user },
      { type: "operator.command", command: { name: "unban", args: "" }, message: msg(6) },
      { type: "user.message", message: msg(3), user },
    ]);
    expect(rs[1].state).toBe("banned");
    expect(rs[2].intents).toEqual([]);
    expect(rs[3].state).toBe("closed");
    expect(rs[4].state).toBe("topic-open");
  });

  it("keyword gate: waits in awaiting-keyword, relays nothing until a message may open", () => {
    const rs = run([
      { type: "user.message", message: msg(1), user, gates: { open: false } },
      { type: "user.message", message: msg(2), user, gates: { open: false } },
      { type: "user.message", message: msg(3), user, gates: { open: true } },
    ]);
    expect(rs[0].state).toBe("awaiting-keyword");
    expect(rs[0].intents).toEqual([]);
    expect(rs[1].intents).toEqual([]);
    expect(rs[2].state).toBe("topic-open");
    expect(rs[2].intents).toEqual([{ type: "createTopic", name: "🟪 Ann Lee" }, { type: "copyToTopic", messageId: 3 }]);
  });

  it("a closed dialog stays closed while the gate is shut", () => {
    const rs = run([
      { type: "user.message", message: msg(1), user },
      { type: "operator.command", command: { name: "close", args: "" }, message: msg(5) },
      { type: "user.message", message: msg(2), user, gates: { open: false } },
    ]);
    expect(rs[2].state).toBe("closed");
    expect(rs[2].intents).toEqual([]);
  });

  it("relay gate: a message that may not be relayed changes nothing", () => {
    const rs = run([
      { type: "user.message", message: msg(1), user },
      { type: "operator.message", message: msg(9), gates: { relay: false } },
      { type: "user.message", message: msg(2), user, gates: { relay: false } },
    ]);
    expect(rs[1].intents).toEqual([]);
    expect(rs[1].status).toBe("user_answered");
    expect(rs[2].intents).toEqual([]);
  });

  it("dialog.close closes an open dialog like /close", () => {
    const rs = run([{ type: "user.message", message: msg(1), user }, { type: "dialog.close", reason: "autoclose" }]);
    expect(rs[1].state).toBe("closed");
    expect(rs[1].intents.map((i) => i.type)).toEqual(["editTopic", "closeTopic"]);
  });

  it("leaves commands a plugin handles to the plugin", () => {
    const rs = run([
      { type: "user.message", message: msg(1), user },
      { type: "operator.command", command: { name: "info", args: "" }, message: msg(5), gates: { handled: true } },
    ]);
    expect(rs[1].intents).toEqual([]);
  });

  it("answers unknown commands with a hint and never relays them", () => {
    const rs = run([
      { type: "user.message", message: msg(1), user },
      { type: "operator.command", command: { name: "frobnicate", args: "" }, message: msg(5) },
    ]);
    expect(rs[1].intents).toHaveLength(1);
    expect(rs[1].intents[0]).toMatchObject({ type: "sendToTopic" });
    expect(rs[1].status).toBe("user_answered");
  });

  it("titles are capped at 128 characters", () => {
    const long = { id: 1, firstName: "x".repeat(300) };
    const r = step(machine, undefined, { chatId: 1, user: long }, { type: "user.message", message: msg(1), user: long });
    expect(Array.from((r.intents[0] as { name: string }).name)).toHaveLength(128);
  });
});
