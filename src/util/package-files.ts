/**
 * Files that ship with Switchboard and are served as they are (the sandbox page, the analytics
 * page, the browser libraries they import from node_modules). Found from this module's own
 * place, which the CLI's bundle keeps (bin/bundle-options.mjs defines `import.meta.url` as
 * this file's), so the same paths work from the sources, the bundle, and an npx install.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** Switchboard's own folder (where `src/` is): two levels above this file. */
export const projectRoot = join(here, "..", "..");

/** A file or folder of the project, e.g. `sourcePath("src/admin/analytics/page")`. */
export const sourcePath = (relative: string): string => join(projectRoot, relative);

/** The package's folder in the nearest node_modules above this file (works for npx installs too). */
export function packageDir(pkg: string): string {
  for (let dir = here; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", pkg);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) throw new Error(`the page needs the "${pkg}" package; run npm install`);
  }
}
