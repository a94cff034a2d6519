/**
 * The sandbox serves the analytics page: its config has a loopback admin listener (no token),
 * the page's address is in the snapshot (the page links it) and stays the same across Apply,
 * and the demo's traffic fills the figures. Runs on Node and on Deno.
 */
import { afterEach, expect, test } from "vitest";
import { playDemo } from "../../src/sandbox/demo.ts";
import type { StartedSandbox } from "../../src/sandbox/run.ts";
import { readEvents, startTestSandbox } from "./helpers.ts";

let sandbox: StartedSandbox | undefined;

afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

test("the sandbox's analytics page is filled by the demo", async () => {
  sandbox = await startTestSandbox();
  const url = sandbox.analyticsUrl!;
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/analytics$/);
  const events = await readEvents(sandbox);
  expect((await events.next("snapshot")).config.analyticsUrl).toBe(url);
  events.close();
  const page = await fetch(url);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("/analytics/app/main.js");

  await playDemo(sandbox.session, { stepMs: 50 });
  // The demo restarted the bot twice (keyword gating on and off): the page is where it was.
  expect(sandbox.session.analyticsUrl).toBe(url);
  const api = url.replace(/\/analytics$/, "/api/analytics?period=today");
  const view = await (await fetch(api)).json();
  // Ann, Ben and Chloe open dialogs; Ann's is closed and reopened; the operator answers 4 times.
  expect(view.kpis).toMatchObject({ dialogsNew: 3, dialogsReopened: 1, dialogsClosed: 1 });
  expect(view.kpis.messagesOut).toBeGreaterThanOrEqual(4);
  expect(view.kpis.messagesIn).toBeGreaterThanOrEqual(6);
  expect(view.backlog.map((b: { name: string }) => b.name)).toContain("Chloe Novak");
});
