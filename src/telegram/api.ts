/**
 * The `TelegramApi` service: one bot's Bot API client (see `client.ts`) as an Effect service, so
 * delivery, sources and start-up take it from their context and tests can provide another.
 */
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { makeTelegramClient, type TelegramClient } from "./client.ts";
import type { TelegramError } from "./errors.ts";

/** See the module comment. */
export class TelegramApi extends Context.Tag("switchboard/TelegramApi")<TelegramApi, TelegramClient>() {
  /** An existing client (e.g. one wrapped to record own sends in MTProto mode). */
  static readonly fromClient = (client: TelegramClient): Layer.Layer<TelegramApi> => Layer.succeed(TelegramApi, client);

  /**
   * Telegram stubbed for unit tests of the services above it: every call is answered by
   * `answer(method, params)` (end-to-end tests use the emulator over HTTP instead).
   */
  static readonly layerTest = (answer: (method: string, params: Record<string, unknown>) => Effect.Effect<unknown, TelegramError>): Layer.Layer<TelegramApi> =>
    Layer.succeed(TelegramApi, {
      apiRoot: "test:",
      call: ((method: string, params?: Record<string, unknown>) => answer(method, params ?? {})) as TelegramClient["call"],
      upload: ((method: string, params: Record<string, unknown>) => answer(method, params)) as TelegramClient["upload"],
    });
}
