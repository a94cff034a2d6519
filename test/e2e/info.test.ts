/** start-param, info-card (/info, auto_info) and hide-info, end to end. */
import { afterEach, describe, expect, it } from "vitest";
import { aliasOf } from "../../plugins/hide-info/alias.ts";
import { botMessagesTo, closeAll, createWorld, startSwitchboard, topicMessages, topicNamed, waitFor } from "../support/world.ts";

afterEach(closeAll);

describe("start-param and info-card", () => {
  it("shows the start parameter and posts the card with auto_info; /info posts it on demand", async () => {
    const w = await createWorld();
    await startSwitchboard(w, { extra: `    params: { auto_info: true }` });
    const ann = w.emulator.createUser({ firstName: "Ann", lastName: "Lee", username: "annlee", languageCode: "de" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "/start ads_2026" });
    const topic = await waitFor(() => topicNamed(w, "Ann Lee"), "topic");
    const card = await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text?.startsWith("ℹ️")), "auto card");
    expect(card.text).toContain("Ann Lee");
    expect(card.text).toContain("@annlee");
    expect(card.text).toContain(`ID: ${ann.id}`);
    expect(card.text).toContain("Language: de");
    expect(card.text).toContain("Start parameter: ads_2026");
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "▶️ Started the bot with the parameter: ads_2026"), "start notice");

    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/info" });
    await waitFor(() => topicMessages(w, topic.threadId).filter((m) => m.text?.startsWith("ℹ️")).length === 2, "second card");
    expect(botMessagesTo(w, ann.id).some((m) => m.text?.startsWith("ℹ️"))).toBe(false);
  });

  it("shows the start parameter when keyword gating opens the topic later", async () => {
    const w = await createWorld();
    await startSwitchboard(w, { extra: `    params: { private_keywords: operator }` });
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "/start promo7" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "call an operator" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text?.includes("promo7")), "start parameter shown");
    expect(topicMessages(w, topic.threadId).some((m) => m.text === "/start promo7")).toBe(false);
  });
});

describe("icon-color", () => {
  it("colours new topics with the configured value (names and hex accepted)", async () => {
    const w = await createWorld();
    await startSwitchboard(w, { extra: `    params: { icon_color: violet }` });
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    expect(topic.iconColor).toBe(13338331);
  });
});

describe("hide-info", () => {
  it("name: an alias in the title and the card, no username or link, but the numeric id operators need", async () => {
    const w = await createWorld();
    await startSwitchboard(w, { extra: `    params: { hide_info: [name], auto_info: true }` });
    const ann = w.emulator.createUser({ firstName: "Ann", lastName: "Secret", username: "annsecret" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    const alias = aliasOf("acme", ann.id);
    const topic = await waitFor(() => topicNamed(w, alias), "aliased topic");
    expect(topic.name).toBe(`🟪 ${alias}`);
    const card = await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text?.startsWith("ℹ️")), "card");
    for (const leak of ["Secret", "annsecret", "tg://user"]) expect(card.text).not.toContain(leak);
    expect(card.text).toContain(`ID: ${ann.id}`);
    const copy = topicMessages(w, topic.threadId).find((m) => m.text === "hi")!;
    expect(copy.forward_origin).toBeUndefined();
    // The title keeps the alias through status changes.
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "hello" });
    await waitFor(() => topicNamed(w, alias)?.name === `🟨 ${alias}`, "aliased 🟨 title");
    expect(w.emulator.topics(w.groupId).some((t) => t.name.includes("Ann"))).toBe(false);
  });

  it("link: the card has the name but no id, username or tg:// link", async () => {
    const w = await createWorld();
    await startSwitchboard(w, { extra: `    params: { hide_info: [link], auto_info: true }` });
    const ann = w.emulator.createUser({ firstName: "Ann", lastName: "Lee", username: "annlee" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    const topic = await waitFor(() => topicNamed(w, "Ann Lee"), "topic");
    const card = await waitFor(() => topicMessages(w, topic.threadId).find((m) => m.text?.startsWith("ℹ️")), "card");
    expect(card.text).toContain("Ann Lee");
    for (const leak of ["annlee", "tg://user", String(ann.id)]) expect(card.text).not.toContain(leak);
  });

  it("command: /info goes privately to allowed operators only", async () => {
    const w = await createWorld();
    const other = w.emulator.createUser({ firstName: "Oscar" });
    await startSwitchboard(w, { extra: `    params: { hide_info: [command], extensions_allowed: [${w.operator.id}] }` });
    // The operator must have a private chat with the bot to receive it.
    w.emulator.userSends(w.bot.token, w.operator.id, { text: "I am an operator" });
    const ann = w.emulator.createUser({ firstName: "Ann" });
    w.emulator.userSends(w.bot.token, ann.id, { text: "hi" });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "/info" });
    await waitFor(() => botMessagesTo(w, w.operator.id).some((m) => m.text?.startsWith("ℹ️ Ann")), "private card");
    w.emulator.operatorPosts(w.groupId, other.id, { threadId: topic.threadId, text: "/info" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text?.includes("/info is restricted")), "refusal");
    expect(topicMessages(w, topic.threadId).some((m) => m.text?.startsWith("ℹ️"))).toBe(false);
  });
});
