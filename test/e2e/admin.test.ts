/**
 * The admin listener end to end: `/metrics` is valid Prometheus text whose counters move with a
 * relay through the emulator, `/readyz` follows the Bot API's reachability, the token is
 * enforced, a public listener without a token is a config error, and JSON log lines carry
 * the bot, chat and intent.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config/mod.ts";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { noLimits } from "../../src/pipeline/rate-limits.ts";
import { runConfig } from "../../src/run.ts";
import { runCli } from "../support/cli.ts";
import { parsePrometheus, type Sample, valueOf } from "../support/prometheus.ts";
import { advanceUntil, botMessagesTo, closeAll, createWorld, firstContact, freePort, logLines, startSwitchboard, tempDir, waitFor, type World } from "../support/world.ts";

afterEach(closeAll);

const TOKEN = "s3cret-admin-token-0123456789";

const adminKey = (port: number, token = TOKEN) => `admin: { listen: "127.0.0.1:${port}", token: "${token}" }\n`;

async function get(port: number, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  return { status: response.status, type: response.headers.get("content-type") ?? "", body: await response.text() };
}
const auth = { authorization: `Bearer ${TOKEN}` };

async function scrape(port: number) {
  const r = await get(port, "/metrics", auth);
  expect(r.status).toBe(200);
  expect(r.type).toContain("text/plain");
  return parsePrometheus(r.body);
}

describe("/metrics", () => {
  it("is valid Prometheus text whose counters move with a relay both ways", async () => {
    const w = await createWorld();
    const port = await freePort();
    await startSwitchboard(w, { extra: adminKey(port) });
    const before = await scrape(port);
    const relayed = (s: Sample[], direction: string) => valueOf(s, "switchboard_messages_relayed_total", { bot: "acme", direction }) ?? NaN;
    const received = (s: Sample[]) => valueOf(s, "switchboard_updates_received_total", { bot: "acme" }) ?? NaN;
    expect(relayed(before, "to_operators")).toBeGreaterThanOrEqual(0);

    const { user, topic } = await firstContact(w, "Ann", "hello");
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: topic.threadId, text: "We are on it" });
    await waitFor(() => botMessagesTo(w, user.id).some((m) => m.text === "We are on it"), "answer");

    const after = await waitFor(async () => {
      const s = await scrape(port);
      // Completed rows leave the outbox in the next completion commit, just after the count.
      return relayed(s, "to_users") >= relayed(before, "to_users") + 1 && valueOf(s, "switchboard_outbox_depth", { bot: "acme" }) === 0 && s;
    }, "the to_users counter and an empty outbox");
    expect(relayed(after, "to_operators")).toBe(relayed(before, "to_operators") + 1);
    expect(received(after)).toBeGreaterThanOrEqual(received(before) + 2);
    expect(valueOf(after, "switchboard_steps_total", { bot: "acme" })).toBeGreaterThan(valueOf(before, "switchboard_steps_total", { bot: "acme" })!);
    // The latency histogram counted the deliveries; its +Inf bucket equals its count.
    const count = valueOf(after, "switchboard_delivery_latency_seconds_count", { bot: "acme" })!;
    expect(count).toBeGreaterThan(valueOf(before, "switchboard_delivery_latency_seconds_count", { bot: "acme" }) ?? 0);
    expect(valueOf(after, "switchboard_delivery_latency_seconds_bucket", { bot: "acme", le: "+Inf" })).toBe(count);
    expect(valueOf(after, "switchboard_store_transaction_seconds_count", { bot: "acme" })).toBeGreaterThan(0);
    // Gauges read at scrape time: the queues are empty again, the dialog is open.
    expect(valueOf(after, "switchboard_outbox_depth", { bot: "acme" })).toBe(0);
    expect(valueOf(after, "switchboard_inbox_lag_seconds", { bot: "acme" })).toBe(0);
    expect(after.filter((s) => s.name === "switchboard_dialogs" && s.labels.bot === "acme").reduce((n, s) => n + s.value, 0)).toBe(1);
    expect(valueOf(after, "process_resident_memory_bytes", {})).toBeGreaterThan(0);
  });

  it("refuses requests without the token or with a wrong one (401); /healthz stays open", async () => {
    const w = await createWorld();
    const port = await freePort();
    await startSwitchboard(w, { extra: adminKey(port) });
    for (const path of ["/metrics", "/readyz"]) {
      expect((await get(port, path)).status).toBe(401);
      expect((await get(port, path, { authorization: "Bearer wrong-token-wrong-token-0000" })).status).toBe(401);
      expect((await get(port, `${path}?token=${TOKEN}x`)).status).toBe(401);
      expect((await get(port, path, { authorization: `Basic ${TOKEN}` })).status).toBe(401);
    }
    expect((await get(port, "/metrics", auth)).status).toBe(200);
    expect((await get(port, `/metrics?token=${encodeURIComponent(TOKEN)}`)).status).toBe(200);
    const health = await get(port, "/healthz");
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: "ok" });
    expect((await get(port, "/nothing-here", auth)).status).toBe(404);
  });
});

describe("/readyz", () => {
  it("turns unready when the Bot API is unreachable and ready again after", async () => {
    const w = await createWorld();
    const port = await freePort();
    const running = await startSwitchboard(w, { extra: adminKey(port), testClock: true });
    const readyz = async () => {
      const r = await get(port, "/readyz", auth);
      return { status: r.status, body: JSON.parse(r.body) as { status: string; bots: { id: string; problems: string[] }[] } };
    };
    await waitFor(async () => (await readyz()).status === 200, "ready after start");
    expect((await readyz()).body).toMatchObject({ status: "ready", store: "ok", bots: [{ id: "acme", ready: true, problems: [] }] });

    // Every getUpdates now has its connection cut before Telegram sees it.
    w.emulator.injectFault({ method: "getUpdates", kind: "drop-before", times: 1_000_000 });
    const down = await waitFor(async () => {
      const r = await readyz();
      return r.status === 503 && r;
    }, "unready");
    expect(down.body.status).toBe("unready");
    expect(down.body.bots[0].problems.join(" ")).toMatch(/getUpdates/);

    w.emulator.clearFaults();
    // The poller waits out its backoff on the TestClock, then reaches Telegram again.
    await advanceUntil(running, async () => (await readyz()).status === 200, "ready again", 5_000);
  });

  it("is unready while an outbox row waits longer than ready_outbox_age", async () => {
    const w = await createWorld();
    const port = await freePort();
    const running = await startSwitchboard(w, { extra: `admin: { listen: "127.0.0.1:${port}", ready_outbox_age: 60 }\n`, testClock: true });
    await waitFor(async () => (await get(port, "/readyz")).status === 200, "ready after start");
    // Telegram refuses topic creation: the user's first message waits in the outbox.
    w.emulator.injectFault({ method: "createForumTopic", kind: "500", times: 1_000_000 });
    const user = w.emulator.createUser({ firstName: "Zoe" });
    w.emulator.userSends(w.bot.token, user.id, { text: "anyone?" });
    await waitFor(() => w.emulator.stats().faultsInjected > 0, "a refused createForumTopic");
    await advanceUntil(running, async () => (await get(port, "/readyz")).status === 503, "unready", 10_000);
    expect(JSON.parse((await get(port, "/readyz")).body).bots[0].problems.join(" ")).toMatch(/outbox row waiting \d+ s \(limit 60 s\)/);
    w.emulator.clearFaults();
    await advanceUntil(running, async () => (await get(port, "/readyz")).status === 200, "ready again", 10_000);
  });
});

describe("admin config", () => {
  const yaml = (w: World, admin: string) => w.yaml() + admin;

  it("refuses a non-loopback listen without a token, and accepts it with one", async () => {
    const w = await createWorld();
    const env = { ACME_TOKEN: w.bot.token };
    const problems = (text: string) => {
      try {
        parseConfig(text, env);
        return [];
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).problems.map((p) => `${p.path}: ${p.message}`);
      }
    };
    expect(problems(yaml(w, `admin: { listen: "0.0.0.0:8089" }\n`))).toEqual([
      "admin.listen: 0.0.0.0:8089 is reachable from other machines: set admin.token (e.g. token: ${ADMIN_TOKEN}) or listen on 127.0.0.1",
    ]);
    expect(problems(yaml(w, `admin: { listen: ":8089", token: "" }\n`))[0]).toMatch(/^admin\.listen: 0\.0\.0\.0:8089 is reachable/);
    expect(problems(yaml(w, `admin: { listen: "0.0.0.0:8089", token: short }\n`))[0]).toMatch(/^admin\.token: expected 16-512 visible characters/);
    expect(problems(yaml(w, `admin: { listen: "0.0.0.0:8089", token: "${TOKEN}" }\n`))).toEqual([]);
    expect(problems(yaml(w, `admin: { listen: "127.0.0.1:8089" }\n`))).toEqual([]);
    expect(problems(yaml(w, `log: { format: xml, level: loud }\n`))).toEqual([
      `log.format: expected text or json, got "xml"`,
      `log.level: expected debug or info or warn or error, got "loud"`,
    ]);
  });
});

describe("admin at start", () => {
  it("switchboard check refuses a public listener without a token, naming the key", async () => {
    const path = join(tempDir(), "switchboard.yaml");
    writeFileSync(path, `bots:\n  - id: acme\n    token: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"\n    group: -1001234567890\nadmin: { listen: "0.0.0.0:8089" }\n`);
    const { code, output } = await runCli(["check", "--config", path]);
    expect(code).toBe(1);
    expect(output).toContain("admin.listen: 0.0.0.0:8089 is reachable from other machines: set admin.token");
  });

  it("fails to start with one clear line when the admin port is taken", async () => {
    const w = await createWorld();
    const blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as { port: number }).port)));
    try {
      await expect(startSwitchboard(w, { extra: adminKey(port) })).rejects.toThrow(`admin: cannot listen on 127.0.0.1:${port}`);
    } finally {
      blocker.close();
    }
  });
});

describe("log: { format: json }", () => {
  it("writes one JSON object per line with the bot, chat, update id and intent", async () => {
    const w = await createWorld();
    // Not startSwitchboard: its test logger would replace the one the config asks for.
    const running = await runConfig(w.config(`log: { format: json, level: debug }\n`), { pollTimeoutSeconds: 1, albumSettleMs: 150, limits: noLimits });
    try {
      const mark = logLines.length;
      w.emulator.injectFault({ method: "copyMessage", kind: "500", times: 1 });
      const user = w.emulator.createUser({ firstName: "Jay" });
      w.emulator.userSends(w.bot.token, user.id, { text: "hi" });
      const retried = await waitFor(() => logLines.slice(mark).find((l) => l.includes("delivery will be retried")), "the retry line");
      const line = JSON.parse(retried) as Record<string, unknown>;
      expect(line).toMatchObject({ level: "warn", bot: "acme", chat: user.id, intent: "copyToTopic", message: "delivery will be retried" });
      expect(typeof line.time).toBe("string");
      // The processor's lines name the update: one it drops (a kind Switchboard does not use).
      w.emulator.injectUpdate(w.bot.token, { poll: { id: "p1", question: "?", options: [], total_voter_count: 0, is_closed: false, is_anonymous: true, type: "regular", allows_multiple_answers: false } });
      const dropped = await waitFor(() => logLines.slice(mark).find((l) => l.includes('"update_id"')), "a line with an update id");
      expect(JSON.parse(dropped)).toMatchObject({ bot: "acme", update_id: expect.any(Number) });
      // Every line written after start is JSON.
      for (const l of logLines.slice(mark)) expect(() => JSON.parse(l), l).not.toThrow();
    } finally {
      await running.stop();
    }
  });
});
