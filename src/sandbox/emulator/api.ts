/**
 * Bot API dispatch, independent of HTTP so the browser sandbox can call it in-process:
 * authenticates the token, finds the method, applies injected faults, runs the handler and
 * shapes the answer exactly like Telegram's JSON.
 */
import { ApiError, E } from "./errors.ts";
import type { FaultBook } from "./faults.ts";
import type { HoldBook } from "./holds.ts";
import { findMethod } from "./methods/mod.ts";
import { Params, type RawParams } from "./params.ts";
import type { ApiResponse, CallRecord } from "./types.ts";
import type { World } from "./world.ts";

/** What the transport must do: answer with a status and body, or cut the connection. */
export type CallOutcome = { kind: "answer"; status: number; body: ApiResponse } | { kind: "drop" };

/** Error body with Telegram's fields. */
export function errorBody(err: ApiError): ApiResponse {
  const body: ApiResponse = { ok: false, error_code: err.code, description: err.message };
  if (err.parameters) body.parameters = err.parameters;
  return body;
}

function answerError(err: ApiError): CallOutcome {
  return { kind: "answer", status: err.code, body: errorBody(err) };
}

/** Calls of the Bot API, with statistics. */
export class BotApi {
  readonly calls: Record<string, number> = {};
  /** Every call with caller and times, when the emulator records them; undefined otherwise. */
  log: CallRecord[] | undefined;
  private readonly world: World;
  private readonly faults: FaultBook;
  private readonly holds: HoldBook;

  constructor(world: World, faults: FaultBook, holds: HoldBook) {
    this.world = world;
    this.faults = faults;
    this.holds = holds;
  }

  /** Runs one Bot API call. */
  async call(token: string, method: string, raw: RawParams, signal?: AbortSignal, caller?: string): Promise<CallOutcome> {
    if (!this.log) return this.run(token, method, raw, signal);
    const startedAt = Date.now();
    try {
      return await this.run(token, method, raw, signal);
    } finally {
      this.log.push({ caller, token, method, startedAt, endedAt: Date.now() });
    }
  }

  private async run(token: string, method: string, raw: RawParams, signal?: AbortSignal): Promise<CallOutcome> {
    const bot = this.world.bots.get(token);
    if (!bot) return answerError(new ApiError(401, E.unauthorized));
    const found = findMethod(method);
    if (!found) return answerError(new ApiError(404, E.notFound));
    this.calls[found.name] = (this.calls[found.name] ?? 0) + 1;
    const held = this.holds.takeCall(found.name);
    if (held) await held;
    const fault = this.faults.take(found.name, raw);
    if (fault) {
      switch (fault.kind) {
        case "429": {
          const retry = fault.retryAfter ?? 1;
          return answerError(new ApiError(429, `Too Many Requests: retry after ${retry}`, { retry_after: retry }));
        }
        case "500":
          return answerError(new ApiError(500, E.internal));
        case "502":
          return answerError(new ApiError(502, E.badGateway));
        case "drop-before":
          return { kind: "drop" };
        case "drop-after":
          break;
      }
    }
    let outcome: CallOutcome;
    try {
      const result = await found.handler({ world: this.world, bot, params: new Params(raw), signal });
      outcome = { kind: "answer", status: 200, body: { ok: true, result } };
    } catch (err) {
      if (err instanceof ApiError) outcome = answerError(err);
      else {
        // An emulator bug must be visible, but still look like what Telegram would send.
        console.error(`[emulator] ${found.name} failed:`, err);
        outcome = answerError(new ApiError(500, E.internal));
      }
    }
    return fault?.kind === "drop-after" ? { kind: "drop" } : outcome;
  }
}
