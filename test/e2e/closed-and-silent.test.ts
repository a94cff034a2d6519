/** leave_closed and silent_mode, end to end. */
import { afterEach, describe, expect, it } from "vitest";
import { apology } from "../../plugins/silent-mode/mod.ts";
import { botMessagesTo, closeAll, createWorld, startSwitchboard, topicMessages, topicNamed, waitFor, type World } from "../support/world.ts";

afterEach(closeAll);

describe("leave_closed", () => {
  it("creates topics closed without a welcome, relays into them, and keeps them closed", async () => {
    const w = await createWorld();
    const running = await startSwitchboard(w, { extra: `    params: { leave_closed: true }` });
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "first" });
    const topic = await waitFor(() => topicNamed(w, "Ann")?.closed && topicNamed(w, "Ann"), "closed topic");
    expect(topic.name).toBe("⬛️ Ann");
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "first"), "copy in the closed topic");

    w.emulator.userSends(w.bot.token, ann.id, { text: "second" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "second"), "second copy");
    await waitFor(() => topicNamed(w, "Ann")?.closed, "closed again after relaying");
    expect((await running.bots[0].conversation(ann.id))?.state).toBe("closed");
    expect(botMessagesTo(w, ann.id)).toHaveLength(0);

    // An operator answer is delivered and opens the dialog as 🟨.
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "we are here" });
    await waitFor(() => botMessagesTo(w, ann.id).some((m) => m.text === "we are here"), "answer");
    await waitFor(() => topicNamed(w, "Ann")?.name === "🟨 Ann" && !topicNamed(w, "Ann")?.closed, "open 🟨");
  });
});

describe("silent_mode", () => {
  async function lostMessage(w: World) {
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hello" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    await waitFor(() => botMessagesTo(w, ann.id).length === 1, "welcome");
    // Deleted by the user before Switchboard even polls it: "message to copy not found".
    const doomed = w.emulator.userSends(w.bot.token, ann.id, { text: "oops" });
    w.emulator.userDeletes(w.bot.token, ann.id, doomed.message_id);
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text?.includes("could not be shown here")), "notice for operators");
    w.emulator.userSends(w.bot.token, ann.id, { text: "marker" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "marker"), "marker");
    return ann;
  }

  it("off (default): the user is told that a message did not reach support", async () => {
    const w = await createWorld();
    await startSwitchboard(w);
    const ann = await lostMessage(w);
    await waitFor(() => botMessagesTo(w, ann.id).some((m) => m.text === apology), "apology");
  });

  it("on: the user is told nothing", async () => {
    const w = await createWorld();
    await startSwitchboard(w, { extra: `    params: { silent_mode: true }` });
    const ann = await lostMessage(w);
    expect(botMessagesTo(w, ann.id).map((m) => m.text)).not.toContain(apology);
  });
});
