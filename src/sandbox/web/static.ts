/**
 * The page's files: `page/` (HTML, CSS, ES modules — no build step) and the two libraries it
 * imports, served straight from `node_modules` (Preact and htm). Only known names are served.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageDir, sourcePath } from "../../util/package-files.ts";

/** A file to send. */
export interface StaticFile {
  body: Uint8Array;
  type: string;
}

const pageDir = sourcePath("src/sandbox/web/page");

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
};

/** `/vendor/NAME` → package and file inside it (what the page's import map points at). */
const VENDOR: Record<string, [pkg: string, file: string]> = {
  "preact.mjs": ["preact", "dist/preact.mjs"],
  "preact-hooks.mjs": ["preact", "hooks/dist/hooks.mjs"],
  "htm.mjs": ["htm", "dist/htm.mjs"],
};

const typeOf = (name: string) => TYPES[name.slice(name.lastIndexOf(".") + 1)] ?? "application/octet-stream";

/** The file for a GET path, or undefined (404). */
export function staticFile(path: string): StaticFile | undefined {
  if (path === "/" || path === "/index.html") return { body: readFileSync(join(pageDir, "index.html")), type: TYPES.html };
  const page = /^\/app\/([a-z0-9-]+\.(?:js|css|svg|png))$/.exec(path);
  if (page) {
    const file = join(pageDir, page[1]);
    return existsSync(file) ? { body: readFileSync(file), type: typeOf(page[1]) } : undefined;
  }
  const vendor = /^\/vendor\/([a-z0-9-]+\.mjs)$/.exec(path);
  if (vendor && VENDOR[vendor[1]]) {
    const [pkg, file] = VENDOR[vendor[1]];
    return { body: readFileSync(join(packageDir(pkg), file)), type: TYPES.mjs };
  }
  return undefined;
}
