/** The store's typed errors: a storage URL this build cannot open, and a failed store operation. */
import * as Data from "effect/Data";

/** A storage URL this build cannot open; the message names the URL (password masked) and what is expected. */
export class StorageUrlError extends Data.TaggedError("StorageUrlError")<{ readonly message: string }> {}

/** Opening, migrating or querying the store failed; `cause` is the engine's own error. */
export class StoreError extends Data.TaggedError("StoreError")<{ readonly message: string; readonly cause: unknown }> {}

/** Wraps an engine error with what was being done. */
export const storeError = (doing: string, cause: unknown): StoreError =>
  new StoreError({ message: `store: ${doing} failed: ${cause instanceof Error ? cause.message : String(cause)}`, cause });
