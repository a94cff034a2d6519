// Types of build-cache.mjs, for the TypeScript that imports it (src/plugins/load.ts, tests).

/** The cache folder of the project at `root` (created if missing). */
export function cacheDir(root: string): string;
/** A short hex digest of `parts`, in order. */
export function digest(parts: readonly (string | Uint8Array)[]): string;
/** Every file under `dirs` of `root`, as [path relative to root, bytes], in a stable order. */
export function filesUnder(root: string, dirs: readonly string[]): [string, Uint8Array][];
/** Removes what processes that are gone left in `dir`: temporary files and old per-start files. */
export function removeLeftovers(dir: string): void;
/** Writes `bytes` as `dir/name` atomically (a temporary file, then a rename; the temporary file never stays). */
export function writeAtomically(dir: string, name: string, bytes: Uint8Array): void;
/** Whether `dir/name` exists as a file. */
export function isCached(dir: string, name: string): boolean;
/** Removes the files of `dir` named `<prefix>….mjs` except `keep`. */
export function removeOtherVersions(dir: string, prefix: string, keep: string): void;
