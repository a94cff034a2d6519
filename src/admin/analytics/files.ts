/**
 * The analytics page's files: `page/` (HTML, CSS, ES modules — no build step) and the browser
 * libraries its import map names, straight from node_modules: uPlot (charts), Preact and htm
 * (markup). Only known names are served.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageDir, sourcePath } from "../../util/package-files.ts";

/** A file to send. */
export interface PageFile {
  body: Uint8Array;
  type: string;
}

const pageDir = sourcePath("src/admin/analytics/page");

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
};

/** `/analytics/vendor/NAME` → package and file inside it. */
const VENDOR: Record<string, [pkg: string, file: string]> = {
  "uplot.mjs": ["uplot", "dist/uPlot.esm.js"],
  "uplot.css": ["uplot", "dist/uPlot.min.css"],
  "preact.mjs": ["preact", "dist/preact.mjs"],
  "preact-hooks.mjs": ["preact", "hooks/dist/hooks.mjs"],
  "htm.mjs": ["htm", "dist/htm.mjs"],
};

const typeOf = (name: string) => TYPES[name.slice(name.lastIndexOf(".") + 1)] ?? "application/octet-stream";

/** The page itself. */
export const indexHtml = (): PageFile => ({ body: readFileSync(join(pageDir, "index.html")), type: TYPES.html });

/** The file for `/analytics/app/NAME` or `/analytics/vendor/NAME`, or undefined (404). */
export function pageFile(path: string): PageFile | undefined {
  const app = /^\/analytics\/app\/([a-z0-9-]+\.(?:js|css|svg))$/.exec(path);
  if (app) {
    const file = join(pageDir, app[1]);
    return existsSync(file) ? { body: readFileSync(file), type: typeOf(app[1]) } : undefined;
  }
  const vendor = /^\/analytics\/vendor\/([a-z0-9-]+\.(?:mjs|css))$/.exec(path);
  if (vendor && Object.hasOwn(VENDOR, vendor[1])) {
    const [pkg, file] = VENDOR[vendor[1]];
    return { body: readFileSync(join(packageDir(pkg), file)), type: typeOf(vendor[1]) };
  }
  return undefined;
}
