/** Shared helpers for emulator tests: real HTTP calls to the Bot API side. */
import { startEmulator, type Emulator, type EmulatorOptions } from "../../src/sandbox/emulator/mod.ts";

/** A Bot API answer as Telegram shapes it. */
// deno-lint-ignore no-explicit-any
export type Answer = { ok: boolean; result?: any; error_code?: number; description?: string; parameters?: { retry_after?: number } };

/** POSTs a JSON Bot API call and returns the parsed answer (any status). */
export async function api(emu: Emulator, token: string, method: string, params: Record<string, unknown> = {}): Promise<Answer> {
  const res = await fetch(`${emu.url}/bot${token}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params),
  });
  const body = (await res.json()) as Answer;
  if (!body.ok && body.error_code !== res.status) throw new Error(`status ${res.status} != error_code ${body.error_code}`);
  return body;
}

/** Like {@link api} but throws unless ok, returning `result`. */
// deno-lint-ignore no-explicit-any
export async function ok(emu: Emulator, token: string, method: string, params: Record<string, unknown> = {}): Promise<any> {
  const a = await api(emu, token, method, params);
  if (!a.ok) throw new Error(`${method} failed: ${a.error_code} ${a.description}`);
  return a.result;
}

/** A world with one bot, one user who started it, one operator and a forum group. */
export async function setup(options: EmulatorOptions = {}) {
  const emu = await startEmulator(options);
  const bot = emu.createBot({ username: "support_bot" });
  const user = emu.createUser({ firstName: "Alice", lastName: "Smith", username: "alice" });
  const operator = emu.createUser({ firstName: "Olga" });
  const group = emu.createForumGroup({ title: "Support", bots: [bot.token], operators: [operator.id] });
  return { emu, bot, token: bot.token, user, operator, group };
}

/** Sleeps. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
