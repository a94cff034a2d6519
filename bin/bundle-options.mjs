// The esbuild options of the Node entry's bundle (bin/switchboard.mjs). Shared with
// bench/profile-summary.ts, which rebuilds the same bundle to map profile lines back to sources:
// the two must never differ.
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** The options that bundle `src/cli.ts` of the project at `root` into `outfile`. */
export function bundleOptions(root, outfile) {
  return {
    entryPoints: [join(root, "src/cli.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    // The one `import.meta.url` in the sources (where the served pages' files are found) must keep pointing there.
    define: { "import.meta.url": JSON.stringify(pathToFileURL(join(root, "src/util/package-files.ts")).href) },
    banner: { js: `import { createRequire as __sbRequire } from "node:module"; const require = __sbRequire(${JSON.stringify(join(root, "package.json"))});` },
    logLevel: "error",
  };
}
