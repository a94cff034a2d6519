/**
 * The sandbox in a real browser: Playwright (`playwright-core`) drives Debian's Chromium
 * (`/usr/bin/chromium`, installed by .ci/run). A user writes, the topic appears on the
 * operators' side, the operator answers, the answer shows in the user's chat; the screenshot
 * is saved to artifacts/sandbox.png and its path printed. Without Chromium the test FAILS.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterEach, expect, test } from "vitest";
import type { StartedSandbox } from "../../src/sandbox/run.ts";
import { tempDir } from "../support/world.ts";
import { startTestSandbox } from "./helpers.ts";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = resolve("artifacts/sandbox.png");

let sandbox: StartedSandbox | undefined;
let browser: BrowserContext | undefined;

afterEach(async () => {
  await browser?.close();
  await sandbox?.stop();
  browser = sandbox = undefined;
});

/** Chromium with the flags CI needs and a fresh profile. */
async function openPage(url: string): Promise<Page> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: install it with "apt-get install -y chromium" (.ci/run does it before the tests)`);
  }
  browser = await chromium.launchPersistentContext(tempDir("sb-chromium-"), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1600, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  await page.goto(url);
  await page.locator(".user-chat").waitFor();
  expect(problems).toEqual([]);
  return page;
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
