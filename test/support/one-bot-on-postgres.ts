/**
 * Where the end-to-end tests of several instances with one bot start: the emulator (recording
 * which instance called what), a PostgreSQL database of their own, the bot, its operator and
 * its operators' group. Everything is closed or dropped through `cleanup`.
 */
import { type Config, parseConfig } from "../../src/config/mod.ts";
import { type Emulator, startEmulator } from "../../src/sandbox/emulator/mod.ts";
import { createTestDatabase, type TestDatabase } from "./postgres.ts";

/** See the module comment. */
export interface OneBotOnPostgres {
  readonly emulator: Emulator;
  readonly database: TestDatabase;
  readonly bot: ReturnType<Emulator["createBot"]>;
  readonly operator: ReturnType<Emulator["createUser"]>;
  readonly groupId: number;
  /**
   * The deployment of instance `caller` (its Bot API calls recorded under that name): the shared
   * database and the one bot, welcome off, no limits. `top` adds top-level YAML lines, `bot` lines
   * of the bot's entry (each indented as in the file).
   */
  configFor(caller: string, extra?: { top?: string; bot?: string }): Config;
}

/** Starts it; `cleanup` receives what the test's afterEach must undo. */
export async function oneBotOnPostgres(cleanup: Array<() => Promise<unknown>>): Promise<OneBotOnPostgres> {
  const emulator = await startEmulator({ recordCalls: true });
  cleanup.push(() => emulator.close());
  const database = await createTestDatabase();
  cleanup.push(database.drop);
  const bot = emulator.createBot({ username: "acme_support_bot", firstName: "Acme Support" });
  const operator = emulator.createUser({ firstName: "Olga", username: "olga" });
  const groupId = emulator.createForumGroup({ title: "Acme operators", bots: [bot.token], operators: [operator.id] });
  const configFor = (caller: string, extra: { top?: string; bot?: string } = {}) =>
    parseConfig(`storage: "${database.url}"
${extra.top ?? ""}bots:
  - id: acme
    token: "${bot.token}"
    api_root: ${emulator.url}/c/${caller}
    group: ${groupId}
    limits: off
${extra.bot ?? ""}    params: { welcome: off }
`, {});
  return { emulator, database, bot, operator, groupId, configFor };
}
