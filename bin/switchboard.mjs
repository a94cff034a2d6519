#!/usr/bin/env -S node --max-old-space-size=192 --max-semi-space-size=4
// The Node entry point (`npx switchboard`, `npm start`). The heap cap and small semi-spaces keep
// peak memory near 130 MB in the relay bench (V8 otherwise grows the heap far past the live set); raise it with
// `node --max-old-space-size=N bin/switchboard.mjs` if a deployment needs more. Node 20 cannot run TypeScript, and a
// loader like tsx costs ~90 MB of resident memory for a process that runs for months, so the
// sources are bundled once per start with esbuild (~0.2 s; dependencies stay external and load
// natively) and the bundle runs on plain Node. Deno runs the same sources directly.
import { buildSync } from "esbuild";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { bundleOptions } from "./bundle-options.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
// Inside the project, so that Node resolves the bundle's bare imports from its node_modules.
const cache = join(root, "node_modules", ".cache", "switchboard");
mkdirSync(cache, { recursive: true });
const outfile = join(cache, `cli-${process.pid}.mjs`);

buildSync(bundleOptions(root, outfile));
// Deployer plugins written in TypeScript are bundled the same way when loaded (src/plugins/load.ts).
process.env.SWITCHBOARD_ROOT = root;
try {
  await import(pathToFileURL(outfile).href);
} finally {
  // Loaded: the module lives in memory now (the bundle has no lazy chunks).
  rmSync(outfile, { force: true });
}
