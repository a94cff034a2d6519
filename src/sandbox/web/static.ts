/**
 * The page's files: `page/` (HTML, CSS, ES modules — no build step) and the two libraries it
 * imports, served straight from `node_modules` (Preact and htm). Only known names are served
 * (util/page-files.ts).
 */
import { type PageFile, pageFiles, preactAndHtm } from "../../util/page-files.ts";

/** A file to send. */
export type StaticFile = PageFile;

const files = pageFiles({
  dir: "src/sandbox/web/page",
  prefix: "/",
  vendor: preactAndHtm,
});

/** The file for a GET path, or undefined (404). */
export function staticFile(path: string): StaticFile | undefined {
  return path === "/" || path === "/index.html" ? files.index() : files.file(path);
}
