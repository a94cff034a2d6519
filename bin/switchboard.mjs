#!/usr/bin/env -S node --max-old-space-size=192 --max-semi-space-size=4
// The Node entry point (`npx switchboard`, `npm start`). The heap cap and small semi-spaces keep
// peak memory near 130 MB in the relay bench (V8 otherwise grows the heap far past the live set); raise it with
// `node --max-old-space-size=N bin/switchboard.mjs` if a deployment needs more. Node 20 cannot run TypeScript, and a
// loader like tsx costs ~90 MB of resident memory for a process that runs for months, so the
// sources are bundled with esbuild (~0.2 s; dependencies stay external and load natively) and the
// bundle runs on plain Node. The bundle is built once per version of the sources: it is named
// after a hash of them and of the esbuild options, kept in node_modules/.cache/switchboard, and
// reused by every later start (see build-cache.mjs). Deno runs the same sources directly.
import { buildSync, version as esbuildVersion } from "esbuild";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { bundleOptions } from "./bundle-options.mjs";
import { buildAtomically, cacheDir, digest, filesUnder, isCached, removeLeftovers, removeOtherVersions } from "./build-cache.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const cache = cacheDir(root);
removeLeftovers(cache);

// What the bundle is made of: the sources it can import, how esbuild is told to build them (the
// options name this install's folder), and esbuild itself.
const options = bundleOptions(root, join(cache, "cli.mjs"));
const sources = filesUnder(root, ["src", "plugins", "bin"]).flat();
// One prefix per install folder, so installs sharing a node_modules never remove each other's.
const prefix = `cli-${digest([root])}-`;
const name = `${prefix}${digest([JSON.stringify(options), esbuildVersion, ...sources])}.mjs`;

if (!isCached(cache, name)) {
  // esbuild writes the file itself: handed back through this process (write: false), the bundle
  // cost ~20 MB of peak RSS for the whole life of a process that had to build it.
  buildAtomically(cache, name, (outfile) => buildSync({ ...options, outfile, write: true }));
  removeOtherVersions(cache, prefix, name);
}
// Deployer plugins written in TypeScript are bundled the same way when loaded (src/plugins/load.ts).
process.env.SWITCHBOARD_ROOT = root;
await import(pathToFileURL(join(cache, name)).href);
