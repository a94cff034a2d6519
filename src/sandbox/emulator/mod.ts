/**
 * Telegram Bot API emulator — public entry.
 *
 * `startEmulator()` starts an HTTP server speaking the Bot API subset a support bot uses
 * (`{url}/bot{TOKEN}/{method}`) over a simulated world of users, private chats and forum
 * supergroups, plus a control API (`{url}/control/…`, see control.ts) to act as users and
 * operators, inspect what they would see, and inject faults.
 */
import { EmulatorCore } from "./core.ts";
import { serve } from "./http.ts";
import type { Emulator, EmulatorOptions } from "./types.ts";

export type {
  ApiResponse,
  BotIdentity,
  CallbackAnswer,
  DeletedTopicAnswer,
  EditContent,
  Emulator,
  EmulatorOptions,
  CallRecord,
  EmulatorStats,
  FaultKind,
  FaultSpec,
  Hold,
  HoldTarget,
  MessageContent,
  MessagesQuery,
  StoredMessage,
  TopicInfo,
  WorldEvent,
} from "./types.ts";
export { EmulatorCore } from "./core.ts";
export { TOPIC_COLORS } from "./methods/topics.ts";
export { METHOD_NAMES } from "./methods/mod.ts";

/** Starts the emulator on `host:port` (default 127.0.0.1, random port). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const core = new EmulatorCore(options);
  const { url, close } = await serve(core, options.host ?? "127.0.0.1", options.port ?? 0);
  core.attach(url, close);
  return core;
}

/** Creates an emulator without a network transport (browser sandbox; use `call()`). */
export function createEmulator(options: EmulatorOptions = {}): Emulator {
  return new EmulatorCore(options);
}
