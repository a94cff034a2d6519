// The cache of esbuild output that plain Node runs (bin/switchboard.mjs's bundle of src/, and
// deployer plugins written in TypeScript, src/plugins/load.ts): one file per content, reused by
// every start, so a start writes nothing once its build exists. A file appears under its final
// name only complete (written to a temporary file named after the writing process, then
// renamed); the temporary file is removed when writing fails, and one left by a process that was
// killed is removed by the next start.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

/**
 * The cache folder of the project at `root`: inside it, so that Node resolves a bundle's bare
 * imports from the project's node_modules.
 */
export function cacheDir(root) {
  const dir = join(root, "node_modules", ".cache", "switchboard");
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A short hex digest of `parts` (strings or bytes), in order. */
export function digest(parts) {
  const hash = createHash("sha256");
  for (const part of parts) {
    hash.update(part);
    hash.update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

/** Every file under `dirs` of `root`, as [path relative to root, bytes], in a stable order. */
export function filesUnder(root, dirs) {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push([relative(root, path), readFileSync(path)]);
    }
  };
  for (const dir of dirs) walk(join(root, dir));
  return out;
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return error?.code === "EPERM";
  }
};

// `<name>.<pid>.tmp`: being written by `pid`. The older per-start files were `cli-<pid>.mjs` and
// `plugin-<pid>-<name>.mjs`, removed after loading unless the process was killed first.
const temporary = /\.(\d+)\.tmp$/;
const perStart = /^(?:cli-(\d+)\.mjs|plugin-(\d+)-.+\.mjs)$/;

/** Removes what processes that are gone left in `dir`: temporary files and old per-start files. */
export function removeLeftovers(dir) {
  for (const name of readdirSync(dir)) {
    const match = temporary.exec(name) ?? perStart.exec(name);
    const pid = match && Number(match[1] ?? match[2]);
    if (pid && !alive(pid)) rmSync(join(dir, name), { force: true });
  }
}

/**
 * Writes `bytes` as `dir/name` atomically: readers see no file or the whole file. Concurrent
 * writers of the same name write the same content; the last rename wins.
 */
export function writeAtomically(dir, name, bytes) {
  buildAtomically(dir, name, (temp) => writeFileSync(temp, bytes));
}

/** Has `build` write `dir/name` atomically (see {@link writeAtomically}): it is given the temporary path to write. */
export function buildAtomically(dir, name, build) {
  const temp = join(dir, `${name}.${process.pid}.tmp`);
  try {
    build(temp);
    renameSync(temp, join(dir, name));
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Whether `dir/name` exists as a file. */
export function isCached(dir, name) {
  try {
    return statSync(join(dir, name)).isFile();
  } catch {
    return false;
  }
}

/**
 * Removes the files of `dir` named `<prefix><anything>.mjs` except `keep`: builds of sources
 * that changed since (the same install's older versions).
 */
export function removeOtherVersions(dir, prefix, keep) {
  for (const name of readdirSync(dir)) {
    if (name !== keep && name.startsWith(prefix) && name.endsWith(".mjs")) rmSync(join(dir, name), { force: true });
  }
}
