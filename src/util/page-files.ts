/**
 * A browser page served with no build step: its own files (HTML, CSS, ES modules, images) from a
 * folder of the project, and the libraries its import map names straight from node_modules. Only
 * known names are served: the page's by a strict file-name pattern, the libraries by a list.
 * The sandbox page and the analytics page both use it.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageDir, sourcePath } from "./package-files.ts";

/** A file to send. */
export interface PageFile {
  body: Uint8Array;
  type: string;
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
};

const typeOf = (name: string) => TYPES[name.slice(name.lastIndexOf(".") + 1)] ?? "application/octet-stream";

const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** Where a page's files are and what it may load. */
export interface PageFilesOptions {
  /** The page's folder, relative to the project (`src/sandbox/web/page`). */
  readonly dir: string;
  /** The path the page's URLs start with (`/`, `/analytics/`): files at `<prefix>app/NAME`, libraries at `<prefix>vendor/NAME`. */
  readonly prefix: string;
  /** `NAME` → the package and the file inside it. */
  readonly vendor: Readonly<Record<string, readonly [pkg: string, file: string]>>;
}

/** The page's `index.html`, and the file for a GET path (undefined: 404). */
export function pageFiles(o: PageFilesOptions): { index(): PageFile; file(path: string): PageFile | undefined } {
  const dir = sourcePath(o.dir);
  const app = new RegExp(`^${escaped(o.prefix)}app/([a-z0-9-]+\\.(?:js|css|svg|png))$`);
  const vendor = new RegExp(`^${escaped(o.prefix)}vendor/([a-z0-9-]+\\.(?:mjs|css))$`);
  return {
    index: () => ({ body: readFileSync(join(dir, "index.html")), type: TYPES.html }),
    file: (path) => {
      const own = app.exec(path);
      if (own) {
        const file = join(dir, own[1]);
        return existsSync(file) ? { body: readFileSync(file), type: typeOf(own[1]) } : undefined;
      }
      const library = vendor.exec(path);
      if (library && Object.hasOwn(o.vendor, library[1])) {
        const [pkg, file] = o.vendor[library[1]];
        return { body: readFileSync(join(packageDir(pkg), file)), type: typeOf(library[1]) };
      }
      return undefined;
    },
  };
}

/** Preact (with its hooks) and htm as the pages' import maps name them: markup without a build step. */
export const preactAndHtm: Readonly<Record<string, readonly [string, string]>> = {
  "preact.mjs": ["preact", "dist/preact.mjs"],
  "preact-hooks.mjs": ["preact", "hooks/dist/hooks.mjs"],
  "htm.mjs": ["htm", "dist/htm.mjs"],
};
