/**
 * Debian's Chromium (`/usr/bin/chromium`, installed by .ci/run) driven by Playwright
 * (`playwright-core`) for the browser tests: headless, a fresh profile, the flags CI needs, and
 * the page's errors collected. Without Chromium the tests FAIL (they are not skipped).
 */
import { existsSync } from "node:fs";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { tempDir } from "./world.ts";

const CHROMIUM = "/usr/bin/chromium";

/** An opened browser: close `context` in afterEach; `problems` holds page errors and console errors. */
export interface OpenedBrowser {
  context: BrowserContext;
  page: Page;
  problems: string[];
}

/** Launches Chromium and opens `url` in its first tab. */
export async function openChromium(url: string, viewport = { width: 1600, height: 900 }): Promise<OpenedBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: install it with "apt-get install -y chromium" (.ci/run does it before the tests)`);
  }
  const context = await chromium.launchPersistentContext(tempDir("sb-chromium-"), {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    acceptDownloads: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  await page.goto(url);
  return { context, page, problems };
}
