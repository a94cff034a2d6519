/**
 * `switchboard sandbox`: the Telegram emulator, a bot, an operators' group and Switchboard on a
 * local SQLite file, plus a web page that shows the whole world side by side — the users' chats
 * with the bot and the operators' topics — live, and the analytics page on the config's admin
 * listener (loopback, no token). No token, no internet.
 */
import { rmSync } from "node:fs";
import { playDemo } from "./demo.ts";
import { openBrowser } from "./web/open.ts";
import { type PageServer, servePage } from "./web/server.ts";
import { SandboxSession } from "./web/session.ts";

/** Options of the sandbox command. */
export interface SandboxOptions {
  /** Port of the page (default 8790, or any free port when that one is taken). */
  port?: number;
  /** Try to open the page in the default browser. */
  open?: boolean;
  /** Play the scripted demo once the page is up. */
  demo?: boolean;
  /** SQLite file for the sandbox's store; wiped at start (default ./data/sandbox.db). */
  storage?: string;
}

/** A started sandbox. */
export interface StartedSandbox {
  /** The page, e.g. http://127.0.0.1:8790. */
  url: string;
  /** The emulator's Bot API base URL (its control API is under /control). */
  emulatorUrl: string;
  /** The analytics page (the admin listener of the sandbox's config). */
  analyticsUrl: string | undefined;
  session: SandboxSession;
  stop(): Promise<void>;
}

/** Where the page listens when no port is given. */
export const DEFAULT_PAGE_PORT = 8790;

/**
 * Starts everything in this process and returns once the bot is connected and the page served.
 * Tests use it with `port: 0`; `pollTimeoutSeconds` shortens the bot's long polls.
 */
export async function startSandbox(o: SandboxOptions & { pollTimeoutSeconds?: number } = {}): Promise<StartedSandbox> {
  // The emulated Telegram lives in memory, so its update ids and topics start afresh each run;
  // a store kept from an earlier run would point at topics and offsets that no longer exist.
  const storagePath = o.storage ?? "./data/sandbox.db";
  for (const suffix of ["", "-wal", "-shm"]) rmSync(storagePath + suffix, { force: true });
  const session = await SandboxSession.start({ storagePath, pollTimeoutSeconds: o.pollTimeoutSeconds });
  let page: PageServer;
  try {
    page = await listen(session, o.port);
  } catch (error) {
    await session.stop();
    throw error;
  }
  return {
    url: page.url,
    emulatorUrl: session.core.url,
    analyticsUrl: session.analyticsUrl,
    session,
    async stop() {
      await page.close();
      await session.stop();
    },
  };
}

async function listen(session: SandboxSession, port: number | undefined): Promise<PageServer> {
  if (port !== undefined) return servePage(session, { port });
  try {
    return await servePage(session, { port: DEFAULT_PAGE_PORT });
  } catch (error) {
    if ((error as { code?: string }).code !== "EADDRINUSE") throw error;
    return servePage(session, { port: 0 });
  }
}

/** The CLI entry: starts the sandbox, prints where it is, and runs until SIGINT/SIGTERM. */
export async function runSandbox(o: SandboxOptions = {}): Promise<void> {
  const sandbox = await startSandbox(o);
  const { session } = sandbox;
  process.stdout.write(`
Switchboard sandbox is running — open ${sandbox.url} in a browser.

  Write as a user on the left, answer as the operator in the topics on the right.
  Analytics page:               ${sandbox.analyticsUrl ?? "(off: the config has no admin key)"}   (filled by the demo: --demo or ▶ Play demo)
  Telegram emulator (Bot API):  ${sandbox.emulatorUrl}   control API: ${sandbox.emulatorUrl}/control
  Store:                        ${o.storage ?? "./data/sandbox.db"} (wiped at each start)
  Bot token:                    ${session.bot.token}
  Operators' group:             ${session.groupId} (operator id ${session.operator.id})
Press Ctrl+C to stop.
`);
  if (o.open && !(await openBrowser(sandbox.url))) process.stdout.write(`(could not open a browser; open ${sandbox.url} yourself)\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await sandbox.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  if (o.demo) {
    // A moment for a browser opened by --open to connect before the first message.
    await new Promise((r) => setTimeout(r, o.open ? 2500 : 500));
    await playDemo(session).catch((e) => session.log.error("the demo stopped", { error: String(e) }));
  }
}
