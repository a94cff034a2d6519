/**
 * The analytics page in a real browser: after a scripted run through the emulator, Chromium
 * (Playwright, as the sandbox's browser test) opens the page with its `?token=` link and the
 * tiles, tables, heat map and charts show the run's numbers; a visit without the token is let in
 * by the token kept from the first; a refused kept token gives the form, which lets in; a
 * chart's CSV downloads. The screenshot is saved to
 * artifacts/analytics.png (docs/analytics.png in the README is a copy). Without Chromium the
 * test FAILS.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { BrowserContext } from "playwright-core";
import { afterEach, expect, test } from "vitest";
import { playAnalyticsRun } from "../support/analytics-run.ts";
import { openChromium } from "../support/chromium.ts";
import { closeAll, createWorld, freePort, startSwitchboard } from "../support/world.ts";

const TOKEN = "browser-admin-token-0123456789";
const SCREENSHOT = resolve("artifacts/analytics.png");

let browser: BrowserContext | undefined;

afterEach(async () => {
  await browser?.close();
  browser = undefined;
  await closeAll();
});

test("the analytics page shows a run's figures, tables and charts, in a real browser", async () => {
  const w = await createWorld();
  const port = await freePort();
  await startSwitchboard(w, { extra: `admin: { listen: "127.0.0.1:${port}", token: "${TOKEN}" }\n` });
  const run = await playAnalyticsRun(w);

  const base = `http://127.0.0.1:${port}/analytics`;
  const { context, page, problems } = await openChromium(`${base}?token=${TOKEN}&period=today`, { width: 1400, height: 1000 });
  browser = context;
  const tile = (id: string) => page.locator(`.kpi[data-kpi="${id}"] .value`);
  // Delivery is recorded with its commit: the figures are final once the page shows them all.
  await expect.poll(async () => {
    await page.locator(".refresh").click();
    return tile("messagesOut").textContent();
  }, { timeout: 15_000 }).toBe(String(run.messagesOut));
  expect(await tile("dialogsNew").textContent()).toBe(String(run.dialogsNew));
  expect(await tile("dialogsClosed").textContent()).toBe(String(run.dialogsClosed));
  expect(await tile("unanswered").textContent()).toBe(String(run.unanswered));
  expect(await tile("messagesIn").textContent()).toBe(String(run.messagesIn));
  expect(await tile("failed").textContent()).toBe("0");
  // The token left the address bar (it is kept in the browser, never shown or linked).
  expect(page.url()).not.toContain("token");

  // Tables: the operator's load, and Ben waiting with the link to his topic.
  const operator = page.locator(`.operators tr[data-operator="${run.operatorId}"] td`);
  expect(await operator.allTextContents()).toEqual(["Olga Operator", "2", "2", "1", expect.any(String)]);
  const waiting = page.locator(".backlog tbody tr");
  expect(await waiting.count()).toBe(1);
  expect(await waiting.locator("td").first().textContent()).toContain("Ben");
  expect(await waiting.locator("a").getAttribute("href")).toBe(`https://t.me/c/${String(w.groupId).slice(4)}/${run.waitingThreadId}`);
  expect(await page.locator(".heatmap").getAttribute("data-total")).toBe(String(run.messagesIn));

  // Charts: uPlot drew a canvas for each, with the run's totals, and pixels on it.
  const totals = async (chart: string) => JSON.parse((await page.locator(`.chart[data-chart="${chart}"]`).getAttribute("data-totals"))!);
  expect(await totals("messages")).toEqual({ in: run.messagesIn, out: run.messagesOut, intercepted: 0 });
  expect(await totals("dialogs")).toEqual({ created: run.dialogsNew, reopened: 0, closed: run.dialogsClosed });
  expect(await totals("delivery")).toEqual({ retries: 0, rateLimited: 0, failed: 0 });
  const painted = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLCanvasElement>(".chart canvas")].map((canvas) => {
      const pixels = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
      let opaque = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) opaque++;
      return opaque;
    })
  );
  expect(painted).toHaveLength(3);
  for (const opaque of painted) expect(opaque).toBeGreaterThan(0);

  // A chart's CSV downloads (the token goes in a header, not in the link).
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator('[data-card="messages"] [data-csv]').click()]);
  const csv = readFileSync((await download.path())!, "utf8");
  expect(csv.split("\r\n")[1]).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2},${run.messagesIn},${run.messagesOut},0$`));

  mkdirSync("artifacts", { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  console.log(`analytics screenshot: ${SCREENSHOT}`);

  // A link without the token (as /stats posts it) opens with the one kept from this visit.
  await page.goto(`${base}?period=7d`);
  await expect.poll(() => tile("messagesIn").textContent(), { timeout: 15_000 }).toBe(String(run.messagesIn));
  expect(page.url()).not.toContain("token");

  // A kept token that is refused (it was changed) is forgotten; the form asks, and lets in.
  await page.evaluate(() => localStorage.setItem("switchboard-admin-token", "an-old-token-0123456789"));
  await page.goto(`${base}?period=today`);
  await page.locator("#refused").waitFor();
  expect(await page.evaluate(() => localStorage.getItem("switchboard-admin-token"))).toBeNull();
  await page.locator('input[name="token"]').fill(TOKEN);
  await page.keyboard.press("Enter");
  await expect.poll(() => tile("messagesIn").textContent(), { timeout: 15_000 }).toBe(String(run.messagesIn));
  expect(page.url()).not.toContain("token");
  // The only errors are the 401s of the refused visits.
  expect(problems.filter((p) => !p.includes("401"))).toEqual([]);
});
