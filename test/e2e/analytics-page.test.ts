/**
 * The analytics page on the admin listener, end to end on both engines: after a scripted run
 * through the emulator, the page and its data answer only with the token (the page's 401 asks
 * for it), the figures are the run's, each chart's CSV holds them, and the page's code files
 * are served without the token (they hold no data).
 */
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config/mod.ts";
import { playAnalyticsRun } from "../support/analytics-run.ts";
import { closeAll, createWorld, freePort, startSwitchboard, waitFor, type World, type WorldStorage } from "../support/world.ts";

afterEach(closeAll);

const TOKEN = "analytics-admin-token-0123456789";

async function get(port: number, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  return { status: response.status, type: response.headers.get("content-type") ?? "", body: await response.text() };
}
const auth = { authorization: `Bearer ${TOKEN}` };

describe.each<WorldStorage>(["sqlite", "postgres"])("the analytics page (%s)", (storage) => {
  it("refuses without the token, answers with it, and shows the run's figures", async () => {
    const w = await createWorld({ storage });
    const port = await freePort();
    const running = await startSwitchboard(w, { extra: `admin: { listen: "127.0.0.1:${port}", token: "${TOKEN}" }\n` });
    const run = await playAnalyticsRun(w);

    // Without a token, or with a wrong one: 401 everywhere; the page's 401 asks for the token.
    const page = await get(port, "/analytics");
    expect(page.status).toBe(401);
    expect(page.type).toContain("text/html");
    expect(page.body).toContain('name="token"');
    expect((await get(port, "/analytics?token=wrong-token-0123456789")).status).toBe(401);
    for (const path of ["/api/analytics", "/api/analytics?period=30d", "/api/analytics/messages.csv"]) {
      const refused = await get(port, path);
      expect(refused.status, path).toBe(401);
      expect(JSON.parse(refused.body).error).toContain("token");
    }
    expect((await get(port, "/api/analytics", { authorization: "Bearer wrong-token-0123456789" })).status).toBe(401);

    // With it: the page (as the ?token= link opens it, or with the header), its code without.
    const opened = await get(port, `/analytics?token=${TOKEN}`);
    expect(opened.status).toBe(200);
    expect(opened.body).toContain('"uplot": "/analytics/vendor/uplot.mjs"');
    expect((await get(port, "/analytics", auth)).status).toBe(200);
    for (const file of ["/analytics/app/main.js", "/analytics/app/style.css", "/analytics/vendor/uplot.mjs", "/analytics/vendor/preact.mjs"]) {
      expect((await get(port, file)).status, file).toBe(200);
    }
    expect((await get(port, "/analytics/vendor/left-pad.mjs")).status).toBe(404);

    // The figures: every delivery is recorded with its commit, so they are there once delivered.
    const view = await waitFor(async () => {
      const r = await get(port, "/api/analytics?period=today", auth);
      const v = JSON.parse(r.body);
      return r.status === 200 && v.kpis.messagesOut === run.messagesOut && v;
    }, "the run's figures");
    expect(view.kpis).toMatchObject({
      dialogsNew: run.dialogsNew, dialogsReopened: 0, dialogsClosed: run.dialogsClosed, unanswered: run.unanswered,
      messagesIn: run.messagesIn, messagesOut: run.messagesOut, messagesIntercepted: 0, firstResponseCount: 2, resolutionCount: 1,
      retries: 0, rateLimited: 0, failed: 0,
    });
    expect(view.days).toHaveLength(1);
    expect(view.days[0]).toMatchObject({ in: run.messagesIn, out: run.messagesOut, created: run.dialogsNew, closed: run.dialogsClosed });
    expect(view.heatmap.flat().reduce((a: number, b: number) => a + b, 0)).toBe(run.messagesIn);
    expect(view.operators).toEqual([expect.objectContaining({ actor: String(run.operatorId), name: "Olga Operator", messages: 2, answered: 2, closed: 1 })]);
    expect(view.backlog).toEqual([
      expect.objectContaining({ bot: "acme", name: "Ben", topicId: run.waitingThreadId, link: `https://t.me/c/${String(w.groupId).slice(4)}/${run.waitingThreadId}` }),
    ]);
    // One bot asked by name gives the same; an unknown bot or period is a clear 400.
    expect(JSON.parse((await get(port, "/api/analytics?bot=acme&period=7d", auth)).body).kpis.messagesIn).toBe(run.messagesIn);
    const wrong = await get(port, "/api/analytics?bot=nope", auth);
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.body).error).toContain('no bot "nope"');
    expect(JSON.parse((await get(port, "/api/analytics?period=1y", auth)).body).error).toContain("expected today, 7d, 30d or custom");
    const today = new Date().toISOString().slice(0, 10);
    const custom = JSON.parse((await get(port, `/api/analytics?from=${today}&to=${today}`, auth)).body);
    expect(custom.kpis.messagesIn).toBe(run.messagesIn);

    // Each chart's CSV, with the token.
    const csv = await get(port, "/api/analytics/messages.csv?period=today", auth);
    expect(csv.status).toBe(200);
    expect(csv.type).toContain("text/csv");
    // (fetch's text() drops the byte order mark the file starts with.)
    expect(csv.body.split("\r\n")).toEqual(["day,in,out,intercepted", `${view.days[0].day},${run.messagesIn},${run.messagesOut},0`, ""]);
    const bytes = new Uint8Array(await (await fetch(`http://127.0.0.1:${port}/api/analytics/messages.csv`, { headers: auth })).arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const backlog = await get(port, "/api/analytics/backlog.csv", auth);
    expect(backlog.body).toContain(`,Ben,${run.waitingThreadId},https://t.me/c/`);
    for (const chart of ["dialogs", "delivery", "heatmap", "operators"]) expect((await get(port, `/api/analytics/${chart}.csv`, auth)).status, chart).toBe(200);
    expect((await get(port, "/api/analytics/toString.csv", auth)).status).toBe(404);

    // /stats in General links the page on its bot and period — without the token.
    const stats = (await askInGeneral(w, "/stats 30d")).text ?? "";
    expect(stats).toMatch(/^📊 Stats, last 30 days\n/);
    expect(stats.split("\n").at(-1)).toBe(`📈 Charts: http://127.0.0.1:${port}/analytics?bot=acme&period=30d`);
    expect(stats).not.toContain(TOKEN);
    await running.stop();
  });
});

describe("the analytics page's link", () => {
  it("uses admin.public_url when set, and refuses one that is no http(s) address", async () => {
    const w = await createWorld();
    const port = await freePort();
    await startSwitchboard(w, { extra: `admin: { listen: "127.0.0.1:${port}", public_url: "https://support.example.com/switchboard/" }\n` });
    expect((await askInGeneral(w, "/stats")).text?.split("\n").at(-1)).toBe("📈 Charts: https://support.example.com/switchboard/analytics?bot=acme&period=7d");
    const problems = (publicUrl: string) => {
      try {
        parseConfig(w.yaml(`admin: { public_url: "${publicUrl}" }\n`), { ACME_TOKEN: w.bot.token });
        return [];
      } catch (e) {
        return (e as ConfigError).problems.map((p) => `${p.path}: ${p.message}`);
      }
    };
    expect(problems("http://10.0.0.5:8089")).toEqual([]);
    expect(problems("https://x.example.com/?token=1")).toEqual([`admin.public_url: expected an http(s) address like https://switchboard.example.com, got "https://x.example.com/?token=1"`]);
    // Without admin, /stats has no link.
    const plain = await createWorld();
    await startSwitchboard(plain);
    expect((await askInGeneral(plain, "/stats")).text).not.toContain("Charts");
  });
});

const general = (w: World) => w.emulator.messages(w.groupId).filter((m) => m.message_thread_id === undefined && m.from?.is_bot);
/** An operator writes in General; resolves with the bot's answer there. */
async function askInGeneral(w: World, text: string) {
  const before = general(w).length;
  w.emulator.operatorPosts(w.groupId, w.operator.id, { text });
  return await waitFor(() => general(w)[before], `answer to ${text}`);
}
