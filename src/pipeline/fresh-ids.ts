/**
 * Synthetic updates (intercepted messages, Topics API calls) saved under ids that are new for
 * certain. With several instances each has its own id generator for a bot (util/synthetic-id.ts),
 * and two may hand out the same id in the same millisecond: the inbox would keep the first update
 * and drop the other without a word. Saved with `allFresh`, a taken id rolls the batch back, and
 * it is tried again with new ids.
 */
import type { Update } from "@grammyjs/types";
import * as Effect from "effect/Effect";
import { UpdateIdTaken } from "../store/inbox.ts";
import type { StoreError } from "../store/store.ts";
import type { InboxService } from "./inbox.ts";

/** Tries this often before the store's refusal is the answer (each try takes ids a millisecond's thousand apart at most). */
const TRIES = 5;

/**
 * Runs `attempt` with `count` ids from `nextId`; when it fails because an id was taken
 * (`attempt` must accept with `allFresh: true`), runs it again with new ones.
 */
export const withFreshIds = <A, E extends StoreError | { readonly _tag: string }>(
  nextId: () => number,
  count: number,
  attempt: (ids: readonly number[]) => Effect.Effect<A, E>,
): Effect.Effect<A, E> => {
  const once = (left: number): Effect.Effect<A, E> =>
    Effect.suspend(() => attempt(Array.from({ length: count }, nextId))).pipe(
      Effect.catchIf((e): e is E => left > 1 && (e as { _tag?: string })._tag === "StoreError" && (e as StoreError).cause instanceof UpdateIdTaken, () => once(left - 1)),
    );
  return once(TRIES);
};

/**
 * The MTProto session's accept: its updates under ids new for certain, while one fetched again
 * by catch-up (its source key stored already) is still dropped as a duplicate. The ids the
 * session gave are replaced; without this, an update whose id another instance's generator had
 * just used (an intercepted message, a Topics API call) was dropped as a duplicate, unseen.
 */
export const acceptKeyed = (
  inbox: Pick<InboxService, "accept">,
  nextId: () => number,
  updates: readonly Update[],
  sourceKey: (u: Update) => string | undefined,
): Effect.Effect<number, StoreError> =>
  withFreshIds(nextId, updates.length, (ids) =>
    // Spread keeps the session's symbol-keyed source key.
    inbox.accept(updates.map((u, i) => ({ ...u, update_id: ids[i] })), { source: "mtproto", sourceKey, allFresh: true }));
