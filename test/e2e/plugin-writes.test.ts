/**
 * The plugin API's durable-queue facilities, through a deployer plugin: `write` effects land in
 * the plugin's own table in the step's transaction, a failing `write` costs only its own rows,
 * `committed` follows the commit, and `start` runs background work until the bot stops.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { closeAll, createWorld, logLines, startSwitchboard, topicMessages, topicNamed, waitFor } from "../support/world.ts";

afterEach(closeAll);
const api = fileURLToPath(new URL("../../src/mod.ts", import.meta.url));

describe("plugin writes and background work", () => {
  it("write effects commit with the step, a throwing write is isolated, start runs until the bot stops", async () => {
    const w = await createWorld();
    const plugin = join(w.dir, "journal.ts");
    const marks = (name: string) => join(w.dir, name);
    writeFileSync(plugin, `import { appendFileSync, writeFileSync } from "node:fs";
import { definePlugin } from ${JSON.stringify(api)};
export default definePlugin({
  name: "journal",
  parseOptions: (raw) => ({ ok: true, options: { dir: raw.dir } }),
  migrations: {
    "0001": { async up(db) { await db.schema.createTable("journal_rows").addColumn("chat_id", "integer").addColumn("text", "text").execute(); } },
  },
  create: (options) => ({
    onEvent(ctx) {
      if (ctx.event.type !== "user.message") return;
      return { effects: [{ type: "write", plugin: "journal", value: ctx.event.message.text }] };
    },
    async write(tx, writes) {
      for (const w of writes) {
        await tx.insertInto("journal_rows").values({ chat_id: w.chatId, text: w.value }).execute();
        if (w.value === "boom") throw new Error("journal refuses boom");
      }
    },
    committed() { appendFileSync(options.dir + "/committed", "x"); },
    async start(signal) {
      writeFileSync(options.dir + "/started", "yes");
      await new Promise((resolve) => signal.addEventListener("abort", resolve));
      writeFileSync(options.dir + "/stopped", "yes");
    },
  }),
});
`);
    const from = logLines.length;
    const running = await startSwitchboard(w, { extra: `    plugins: [{ path: ${JSON.stringify(plugin)}, options: { dir: ${JSON.stringify(w.dir)} } }]\n` });
    await waitFor(() => existsSync(marks("started")), "background work started");
    const ann = w.emulator.createUser({ firstName: "Ann" });
    for (const text of ["one", "boom", "two"]) w.emulator.userSends(w.bot.token, ann.id, { text });
    const topic = await waitFor(() => topicNamed(w, "Ann"), "topic");
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "two"), "all relayed");

    // A later message, in a batch of its own (the earlier ones are handled): its row lands.
    w.emulator.userSends(w.bot.token, ann.id, { text: "three" });
    await waitFor(() => topicMessages(w, topic.threadId).some((m) => m.text === "three"), "three relayed");

    // "boom" was relayed like the others; only the journal's rows of its batch are gone.
    expect(topicMessages(w, topic.threadId).map((m) => m.text)).toEqual(["one", "boom", "two", "three"]);
    const rows = await running.db.selectFrom("journal_rows" as never).selectAll().execute() as { chat_id: number; text: string }[];
    expect(rows.map((r) => r.text)).not.toContain("boom");
    expect(rows.map((r) => r.text)).toContain("three");
    expect(rows.every((r) => r.chat_id === ann.id)).toBe(true);
    expect(logLines.slice(from).some((l) => l.includes("plugin write failed") && l.includes("plugin=journal"))).toBe(true);
    expect(readFileSync(marks("committed"), "utf8").length).toBeGreaterThanOrEqual(1);

    expect(existsSync(marks("stopped"))).toBe(false);
    await running.stop();
    expect(existsSync(marks("stopped"))).toBe(true);
  });
});
