/**
 * `switchboard sandbox`: the emulator, one bot, an operators' group and Switchboard on a local
 * SQLite file — the whole product on this machine with no token and no internet. The browser
 * playground is a later step; for now the world is driven through the emulator's control API.
 */
import { rmSync } from "node:fs";
import { parseConfig } from "../config/mod.ts";
import { runConfig } from "../run.ts";
import { createLogger } from "../util/log.ts";
import { startEmulator } from "./emulator/mod.ts";

/** Options of the sandbox command. */
export interface SandboxOptions {
  port?: number;
  /** Open the page in a browser. */
  open?: boolean;
  /** Play the scripted demo scenario. */
  demo?: boolean;
  /** SQLite file for the sandbox's store; wiped at start (default ./data/sandbox.db). */
  storage?: string;
}

/** Starts the sandbox and keeps running until SIGINT/SIGTERM. */
export async function runSandbox(o: SandboxOptions = {}): Promise<void> {
  const log = createLogger("sandbox");
  // The emulated Telegram lives in memory, so its update ids and topics start afresh each run;
  // a store kept from an earlier run would point at topics and offsets that no longer exist.
  const path = o.storage ?? "./data/sandbox.db";
  for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
  const emulator = await startEmulator({ port: o.port ?? 0, host: "127.0.0.1" });
  const bot = emulator.createBot({ username: "sandbox_support_bot", firstName: "Sandbox Support" });
  const operator = emulator.createUser({ firstName: "Olga", lastName: "Operator", username: "olga" });
  const group = emulator.createForumGroup({ title: "Sandbox operators", bots: [bot.token], operators: [operator.id] });
  const user = emulator.createUser({ firstName: "Ann", lastName: "Lee", username: "ann" });
  const config = parseConfig(
    `storage: "sqlite:${path}"
bots:
  - id: sandbox
    token: "${bot.token}"
    api_root: ${emulator.url}
    group: ${group}
`,
    {},
  );
  const running = await runConfig(config, { log, pollTimeoutSeconds: 10 });
  const control = `${emulator.url}/control`;
  process.stdout.write(`
Switchboard sandbox is running.
  Telegram emulator (Bot API): ${emulator.url}
  Control API:                 ${control}
  Bot token:                   ${bot.token}
  Operators' group:            ${group} (operator id ${operator.id})
  A user to write as:          ${user.id} (Ann Lee)

Try it:
  curl -s ${control}/userSends -d '{"token":"${bot.token}","userId":${user.id},"content":{"text":"Hello!"}}'
  curl -s "${control}/topics?groupId=${group}"
  curl -s ${control}/operatorPosts -d '{"groupId":${group},"userId":${operator.id},"content":{"threadId":THREAD,"text":"Hi Ann!"}}'
  curl -s "${control}/messages?chatId=${user.id}"
Press Ctrl+C to stop.
`);
  const stop = async () => {
    await running.stop();
    await emulator.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}
