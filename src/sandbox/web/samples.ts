/**
 * Sample photos a simulated user can send: small SVG drawings registered in the emulator's file
 * store with their bytes, so the copy in the topic shows the same picture as the original.
 */
import type { EmulatorCore } from "../emulator/mod.ts";
import type { SampleView } from "./types.ts";

const frame = (bg: string, body: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="220" viewBox="0 0 320 220">` +
  `<rect width="320" height="220" fill="${bg}"/>${body}</svg>`;

/** The drawings, by id. */
const DRAWINGS: Array<{ id: string; title: string; svg: string }> = [
  {
    id: "parcel",
    title: "A damaged parcel",
    svg: frame(
      "#e8f1fb",
      `<ellipse cx="160" cy="190" rx="110" ry="12" fill="#c9d6e6"/>` +
        `<polygon points="60,80 160,50 260,80 160,110" fill="#e0b783"/>` +
        `<polygon points="60,80 160,110 160,190 60,160" fill="#c99a5f"/>` +
        `<polygon points="160,110 260,80 260,160 160,190" fill="#b4844a"/>` +
        `<polygon points="95,70 195,40 215,46 115,76" fill="#f3d9b1"/>` +
        `<path d="M200 120 l12 10 -8 6 14 12" stroke="#5b3a1a" stroke-width="4" fill="none" stroke-linecap="round"/>` +
        `<rect x="80" y="120" width="50" height="26" rx="3" fill="#fff" transform="skewY(17)"/>`,
    ),
  },
  {
    id: "receipt",
    title: "A receipt",
    svg: frame(
      "#fdf3e7",
      `<path d="M105 20 h110 v170 l-11 8 -11 -8 -11 8 -11 -8 -11 8 -11 -8 -11 8 -11 -8 -11 8 -11 -8 z" fill="#fff" stroke="#e4d4bf"/>` +
        `<text x="160" y="45" font-family="sans-serif" font-size="13" font-weight="700" text-anchor="middle" fill="#333">ACME STORE</text>` +
        `<text x="160" y="60" font-family="sans-serif" font-size="9" text-anchor="middle" fill="#888">Order #1042</text>` +
        [78, 94, 110, 126].map((y, i) =>
          `<rect x="118" y="${y}" width="${[60, 48, 66, 40][i]}" height="6" rx="3" fill="#d9d9d9"/>` +
          `<rect x="184" y="${y}" width="18" height="6" rx="3" fill="#d9d9d9"/>`
        ).join("") +
        `<line x1="118" y1="145" x2="202" y2="145" stroke="#bbb" stroke-dasharray="3 3"/>` +
        `<text x="118" y="165" font-family="sans-serif" font-size="12" font-weight="700" fill="#333">TOTAL</text>` +
        `<text x="202" y="165" font-family="sans-serif" font-size="12" font-weight="700" text-anchor="end" fill="#333">$48.90</text>`,
    ),
  },
  {
    id: "error",
    title: "An error screen",
    svg: frame(
      "#eef0f4",
      `<rect x="30" y="22" width="260" height="176" rx="10" fill="#fff" stroke="#d5d9e0"/>` +
        `<rect x="30" y="22" width="260" height="28" rx="10" fill="#f5f6f8"/>` +
        [46, 60, 74].map((x, i) => `<circle cx="${x}" cy="36" r="5" fill="${["#ff6159", "#ffbd2e", "#28c941"][i]}"/>`).join("") +
        `<circle cx="160" cy="100" r="26" fill="#fde2e1"/>` +
        `<path d="M148 88 l24 24 M172 88 l-24 24" stroke="#e5484d" stroke-width="6" stroke-linecap="round"/>` +
        `<text x="160" y="150" font-family="sans-serif" font-size="15" font-weight="700" text-anchor="middle" fill="#222">Payment failed</text>` +
        `<text x="160" y="170" font-family="sans-serif" font-size="10" text-anchor="middle" fill="#777">Error 0x5F3 — please contact support</text>`,
    ),
  },
];

/** Registers the sample photos in the emulator's file store and returns them with their file ids. */
export function registerSamples(core: EmulatorCore): SampleView[] {
  return DRAWINGS.map((d) => {
    const file = core.world.files.create("photo", { data: new Blob([d.svg], { type: "image/svg+xml" }), mimeType: "image/svg+xml" });
    return { id: d.id, title: d.title, fileId: file.fileId };
  });
}

/** Drawn for media the emulator generated without bytes (tests sending `photo: true`). */
export function placeholderSvg(kind: string): string {
  return frame(
    "#dfe6ee",
    `<text x="160" y="116" font-family="sans-serif" font-size="16" text-anchor="middle" fill="#6b7785">${kind}</text>`,
  );
}
