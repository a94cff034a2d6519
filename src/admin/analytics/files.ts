/**
 * The analytics page's files: `page/` (HTML, CSS, ES modules — no build step) and the browser
 * libraries its import map names, straight from node_modules: uPlot (charts), Preact and htm
 * (markup). Only known names are served (util/page-files.ts).
 */
import { type PageFile, pageFiles, preactAndHtm } from "../../util/page-files.ts";

export type { PageFile };

const files = pageFiles({
  dir: "src/admin/analytics/page",
  prefix: "/analytics/",
  vendor: {
    "uplot.mjs": ["uplot", "dist/uPlot.esm.js"],
    "uplot.css": ["uplot", "dist/uPlot.min.css"],
    ...preactAndHtm,
  },
});

/** The page itself. */
export const indexHtml = (): PageFile => files.index();

/** The file for `/analytics/app/NAME` or `/analytics/vendor/NAME`, or undefined (404). */
export const pageFile = (path: string): PageFile | undefined => files.file(path);
