/**
 * The parallel system's `allowed_updates`, read and kept as Telegram does (setWebhook and
 * getUpdates both set it): a list of kinds replaces the setting; an empty list, or one that names
 * no known kind, means Telegram's default (everything but `chat_member`, `message_reaction` and
 * `message_reaction_count`); a missing parameter, or anything that is not a list of strings,
 * keeps the previous setting. The setting is stored, so a restart keeps it, and the inbox reads
 * it when it queues updates for the parallel system (store/proxy-updates.ts): what was not asked
 * for is never queued.
 */
import * as Effect from "effect/Effect";
import * as Ref from "effect/Ref";
import { OFF_BY_DEFAULT } from "../../store/proxy-lanes.ts";
import { loadAllowedUpdates, saveAllowedUpdates } from "../../store/proxy-settings.ts";
import type { Db } from "../../store/schema.ts";
import { query, type StoreError } from "../../store/store.ts";
import { everyUpdateType } from "../allowed-updates.ts";
import type { RawParams } from "./params.ts";

/** What a call says about the setting: keep it, or replace it (undefined: Telegram's default). */
export type AllowedUpdatesChange = { readonly keep: true } | { readonly keep: false; readonly kinds: readonly string[] | undefined };

const keep: AllowedUpdatesChange = { keep: true };
const known: ReadonlySet<string> = new Set(everyUpdateType);
const defaultKinds = everyUpdateType.filter((k) => !OFF_BY_DEFAULT.has(k));

/** The list as given: a JSON array, or (form and query values) a string holding one. */
function listOf(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/** Reads `allowed_updates` from a call's parameters; see the module comment. */
export function readAllowedUpdates(params: RawParams): AllowedUpdatesChange {
  const list = listOf(params.allowed_updates);
  if (!Array.isArray(list) || !list.every((k) => typeof k === "string")) return keep;
  const named = new Set(list.map((k: string) => k.toLowerCase()).filter((k) => known.has(k)));
  // Telegram's order, so one setting has one spelling.
  const kinds = everyUpdateType.filter((k) => named.has(k));
  const isDefault = kinds.length === 0 || (kinds.length === defaultKinds.length && defaultKinds.every((k) => named.has(k)));
  return { keep: false, kinds: isDefault ? undefined : kinds };
}

/** The setting of one bot's parallel system. */
export interface AllowedUpdates {
  /** The kinds asked for; undefined: Telegram's default (getWebhookInfo lists only a non-default setting). */
  readonly current: Effect.Effect<readonly string[] | undefined>;
  /** Applies a call's `allowed_updates`; stored only when it changes (getUpdates repeats it on every poll). */
  apply(params: RawParams): Effect.Effect<void, StoreError>;
}

/**
 * Loads the stored setting of bot `botId`. `shared`: proxies of other instances may change it
 * too, so it is read from the store each time instead of kept here (a copy could be stale and
 * skip a change back).
 */
export const makeAllowedUpdates = (db: Db, botId: string, shared = false): Effect.Effect<AllowedUpdates, StoreError> =>
  Effect.gen(function* () {
    const load = query("read the parallel system's allowed_updates", () => loadAllowedUpdates(db, botId));
    const setting = yield* Ref.make(yield* load);
    const current = shared ? Effect.tap(load, (kinds) => Ref.set(setting, kinds)) : Ref.get(setting);
    const same = (a: readonly string[] | undefined, b: readonly string[] | undefined) => a === b || (a !== undefined && b !== undefined && a.join() === b.join());
    return {
      // The last value read stands in when the store cannot be read (getWebhookInfo still answers).
      current: Effect.orElse(current, () => Ref.get(setting)),
      apply: (params) =>
        Effect.gen(function* () {
          const change = readAllowedUpdates(params);
          if (change.keep || same(change.kinds, yield* current)) return;
          yield* query("save the parallel system's allowed_updates", () => saveAllowedUpdates(db, botId, change.kinds));
          yield* Ref.set(setting, change.kinds);
        }),
    } satisfies AllowedUpdates;
  });
