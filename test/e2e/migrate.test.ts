/**
 * `switchboard migrate --from sqlite:… --to postgres://…` through the real CLI: a deployment that
 * ran on SQLite moves to PostgreSQL and carries on there — the user's next message lands in the
 * topic made on SQLite, operators' replies to relayed messages still map, and an intent left
 * queued on SQLite is delivered from PostgreSQL.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/mod.ts";
import { runCli } from "../support/cli.ts";
import { createTestDatabase } from "../support/postgres.ts";
import { botMessagesTo, closeAll, createWorld, firstContact, freePort, startSwitchboard, topicMessages, waitFor } from "../support/world.ts";

afterEach(closeAll);

const texts = (ms: { text?: string }[]) => ms.map((m) => m.text ?? "");

describe("switchboard migrate --from --to", () => {
  it("moves a deployment from SQLite to PostgreSQL, which carries on where SQLite stopped", async () => {
    const w = await createWorld();
    const database = await createTestDatabase();
    try {
      let running = await startSwitchboard(w);
      const { user: ann, topic } = await firstContact(w, "Ann", "on sqlite");
      const original = w.emulator.messages(ann.id).find((m) => m.text === "on sqlite")!;
      // The operator's answer reaches Ann; its pair goes into the message map.
      w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "hello Ann" });
      await waitFor(() => botMessagesTo(w, ann.id).some((m) => m.text === "hello Ann"), "answer on sqlite");
      // A copy that keeps failing stays queued in the outbox when Switchboard stops.
      w.emulator.injectFault({ method: "copyMessage", kind: "500", times: 1_000 });
      w.emulator.userSends(w.bot.token, ann.id, { text: "queued on sqlite" });
      await waitFor(() => w.emulator.stats().calls.copyMessage! >= 3, "the failing copy tried");
      await running.stop();
      w.emulator.clearFaults();

      const configPath = join(w.dir, "switchboard.yaml");
      writeFileSync(configPath, w.yaml());
      const moved = await runCli(["migrate", "--config", configPath, "--to", database.url], { ACME_TOKEN: w.bot.token });
      // The failing copy (and what queued behind it) moved with its rows.
      expect(moved.output).toMatch(/^ {2}outbox +([1-9]\d*) → \1 +ok$/m);
      expect(moved.output).toMatch(/^ {2}conversations +1 → 1 +ok$/m);
      expect(moved.output).toMatch(/^OK: all \d+ tables match/m);
      expect(moved.code).toBe(0);
      // Running it again copies nothing more and still matches.
      const again = await runCli(["migrate", "--from", w.storage, "--to", database.url]);
      expect(again.output).toMatch(/^ {2}message_map +\d+ rows \(continued from an earlier run\)$/m);
      expect(again.code).toBe(0);

      const onPostgres = parseConfig(w.yaml().replace(`storage: "${w.storage}"`, `storage: "${database.url}"`), { ACME_TOKEN: w.bot.token });
      expect(onPostgres.storage).toBe(database.url);
      running = await startSwitchboard(w, { config: onPostgres });
      await waitFor(() => texts(topicMessages(w, topic.threadId)).includes("queued on sqlite"), "the queued copy, delivered from PostgreSQL");
      w.emulator.userSends(w.bot.token, ann.id, { text: "on postgres" });
      await waitFor(() => texts(topicMessages(w, topic.threadId)).includes("on postgres"), "the next message in the same topic");
      expect(w.emulator.topics(w.groupId).filter((t) => !t.deleted)).toHaveLength(1);
      // A reply to the copy made on SQLite reaches Ann as a reply to her original: the pair moved.
      const copy = topicMessages(w, topic.threadId).find((m) => m.text === "on sqlite")!;
      w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "replying", replyToMessageId: copy.message_id });
      const reply = await waitFor(() => botMessagesTo(w, ann.id).find((m) => m.text === "replying"), "the reply on postgres");
      expect(reply.reply_to_message?.message_id).toBe(original.message_id);
      await running.stop();
    } finally {
      await database.drop();
    }
  });

  it("says what is missing and how to call it", async () => {
    const { code, output } = await runCli(["migrate", "--to", "postgres://localhost/x"]);
    expect(code).toBe(2);
    expect(output).toMatch(/^switchboard migrate: --to URL needs --from URL \(or --config FILE for its storage\)/);
  });
});

describe("PostgreSQL storage at the command line", () => {
  it("an unreachable server stops run and migrate with one line, password masked", async () => {
    const w = await createWorld();
    const port = await freePort();
    const configPath = join(w.dir, "switchboard.yaml");
    writeFileSync(configPath, w.yaml().replace(`storage: "${w.storage}"`, `storage: "postgres://sb:secret@127.0.0.1:${port}/x"`));
    const checked = await runCli(["check", "--config", configPath], { ACME_TOKEN: w.bot.token });
    expect(checked.output).toContain(`storage postgres://sb:***@127.0.0.1:${port}/x`);
    for (const command of ["run", "migrate"]) {
      const { code, output } = await runCli([command, "--config", configPath], { ACME_TOKEN: w.bot.token });
      expect(code).toBe(1);
      expect(output.trim()).toMatch(new RegExp(`^switchboard(?: migrate)?: .*cannot connect to postgres://sb:\\*\\*\\*@127\\.0\\.0\\.1:${port}/x: .*ECONNREFUSED[^\\n]*$`));
      expect(output).not.toContain("secret");
    }
  });
});
