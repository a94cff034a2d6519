/**
 * Broadcast progress on `/metrics`, end to end: a draft is counted, a running broadcast held by
 * a 429 shows its recipients delivered and pending, and once it finishes it is counted as
 * finished and its per-recipient series are gone.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parsePrometheus, valueOf } from "../support/prometheus.ts";
import { advanceUntil, botMessagesTo, closeAll, createWorld, firstContact, freePort, startSwitchboard, waitFor, type World } from "../support/world.ts";

afterEach(closeAll);

/** The bot's messages in General. */
const general = (w: World) => w.emulator.messages(w.groupId).filter((m) => m.message_thread_id === undefined && m.from?.is_bot);

/** An operator writes in General (optionally in reply); resolves with the bot's next answer there. */
async function ask(w: World, text: string, replyTo?: number) {
  const before = general(w).length;
  w.emulator.operatorPosts(w.groupId, w.operator.id, { text, ...(replyTo ? { replyToMessageId: replyTo } : {}) });
  return (await waitFor(() => general(w).slice(before).find((m) => m.text !== undefined && !isNotice(m.text)), `answer to ${text}`)).text!;
}
/** The broadcast sender's own messages in General (progress, summary, report), not answers to commands. */
const isNotice = (text: string) => /^Report #\d+/.test(text) || /^📣 Broadcast #\d+ \(\w+\)(: | finished in )/.test(text);

describe("broadcast metrics", () => {
  it("move with a broadcast: draft, running (delivered / pending), finished", async () => {
    const w = await createWorld();
    const port = await freePort();
    const running = await startSwitchboard(w, { extra: `admin: { listen: "127.0.0.1:${port}" }\n`, testClock: true });
    const scrape = async () => parsePrometheus(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    const broadcasts = async (status: string) => valueOf(await scrape(), "switchboard_broadcasts", { bot: "acme", status });

    const source = w.emulator.operatorPosts(w.groupId, w.operator.id, { text: "Held news" });
    expect(await ask(w, "/template save news", source.message_id)).toMatch(/^Saved template/);
    const users: { id: number }[] = [];
    for (const name of ["Ann", "Bob", "Cid", "Dan"]) users.push((await firstContact(w, name)).user);
    expect(await broadcasts("draft")).toBe(0);

    const id = Number(/#(\d+)/.exec(await ask(w, "/send news to all"))![1]);
    expect(await broadcasts("draft")).toBe(1);
    expect((await scrape()).some((s) => s.name === "switchboard_broadcast_recipients")).toBe(false);

    // Bob's send is answered 429 retry_after 30: the broadcast holds with Ann done.
    w.emulator.injectFault({ method: "copyMessages", kind: "429", retryAfter: 30, chatId: users[1].id });
    await ask(w, `/send go ${id}`);
    await advanceUntil(running, () => w.emulator.stats().faultsInjected === 1, "the 429", 20);
    const held = await waitFor(async () => {
      const s = await scrape();
      return valueOf(s, "switchboard_broadcast_recipients", { bot: "acme", broadcast: String(id), state: "pending" }) === 3 && s;
    }, "three pending");
    expect(valueOf(held, "switchboard_broadcast_recipients", { bot: "acme", broadcast: String(id), state: "delivered" })).toBe(1);
    expect(valueOf(held, "switchboard_broadcast_recipients", { bot: "acme", broadcast: String(id), state: "failed" })).toBe(0);
    expect(valueOf(held, "switchboard_broadcasts", { bot: "acme", status: "running" })).toBe(1);
    expect(valueOf(held, "switchboard_broadcasts", { bot: "acme", status: "draft" })).toBe(0);

    await advanceUntil(running, () => users.every((u) => botMessagesTo(w, u.id).some((m) => m.text === "Held news")), "all delivered", 1_000);
    const done = await advanceUntil(running, async () => {
      const s = await scrape();
      return valueOf(s, "switchboard_broadcasts", { bot: "acme", status: "finished" }) === 1 && s;
    }, "finished", 100);
    expect(valueOf(done, "switchboard_broadcasts", { bot: "acme", status: "running" })).toBe(0);
    expect(done.some((s) => s.name === "switchboard_broadcast_recipients")).toBe(false);
  });
});
