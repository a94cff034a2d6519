/**
 * The sandbox in a real browser: Playwright (`playwright-core`) drives Debian's Chromium
 * (`/usr/bin/chromium`, installed by .ci/run). A user writes, the topic appears on the
 * operators' side, the operator answers, the answer shows in the user's chat; the screenshot
 * is saved to artifacts/sandbox.png and its path printed. Without Chromium the test FAILS.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterEach, expect, test } from "vitest";
import type { StartedSandbox } from "../../src/sandbox/run.ts";
import { openChromium } from "../support/chromium.ts";
import { startTestSandbox } from "./helpers.ts";

const SCREENSHOT = resolve("artifacts/sandbox.png");

let sandbox: StartedSandbox | undefined;
let browser: BrowserContext | undefined;

afterEach(async () => {
  await browser?.close();
  await sandbox?.stop();
  browser = sandbox = undefined;
});

/** The sandbox page in Chromium, drawn and without errors. */
async function openPage(url: string): Promise<Page> {
  const opened = await openChromium(url);
  browser = opened.context;
  await opened.page.locator(".user-chat").waitFor();
  expect(opened.problems).toEqual([]);
  return opened.page;
}

test("a user writes, the operator answers from the topic, in a real browser", async () => {
  sandbox = await startTestSandbox();
  const page = await openPage(sandbox.url);

  await page.locator('textarea[name="user-message"]').fill("Hello! Where is my order?");
  await page.keyboard.press("Enter");
  // The topic appears in the operators' list and the right pane follows it.
  await page.locator('.topics .row[data-topic*="Ann Lee"]').waitFor();
  await page.locator(".topic-chat .msg.in", { hasText: "Hello! Where is my order?" }).waitFor();
  await expect.poll(() => page.locator(".topic-chat .title").textContent()).toContain("Ann Lee");

  await page.locator('textarea[name="operator-message"]').fill("Hi Ann! It ships tomorrow.");
  await page.keyboard.press("Enter");
  await page.locator(".user-chat .msg.in", { hasText: "Hi Ann! It ships tomorrow." }).waitFor();
  // The operator's message is ticked as relayed, and the dialog is 🟨 (answered) in the state panel.
  await page.locator(".topic-chat .msg.out .meta .ticks", { hasText: "✓✓" }).waitFor();
  await page.locator(".state-panel .state-chip", { hasText: "support answered" }).waitFor();

  mkdirSync("artifacts", { recursive: true });
  await page.screenshot({ path: SCREENSHOT });
  console.log(`sandbox screenshot: ${SCREENSHOT}`);
  expect(existsSync(join(SCREENSHOT))).toBe(true);
});
