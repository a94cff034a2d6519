/**
 * `icon_color`: Telegram only accepts six topic icon colours, so anything else is rejected here
 * rather than by `createForumTopic` at the first user message.
 */
import type { Problems } from "./problems.ts";
import { describe, isUnresolved } from "./read.ts";

/** Telegram's six topic icon colours by name, as decimal RGB. */
export const ICON_COLORS: Readonly<Record<string, number>> = {
  blue: 0x6fb9f0,
  yellow: 0xffd67e,
  violet: 0xcb86db,
  green: 0x8eee98,
  rose: 0xff93b2,
  red: 0xfb6f5f,
};

const hex = (n: number) => `0x${n.toString(16).toUpperCase().padStart(6, "0")}`;

/** The allowed values, spelled out for error messages. */
const ALLOWED = Object.entries(ICON_COLORS).map(([name, n]) => `${name} (${hex(n)} = ${n})`).join(", ");

/** Reads a colour given as a name, decimal, `0x6FB9F0` or `#6FB9F0`; nothing means Telegram's default. */
export function readIconColor(value: unknown, path: string, problems: Problems): number | null | undefined {
  if (isUnresolved(value, path, problems)) return undefined;
  if (value === null || value === undefined) {
    // An unquoted `#6FB9F0` is a YAML comment and arrives as nothing; a silent default would hide that.
    problems.add(path, `expected one of ${ALLOWED}, got nothing (quote hex colours: "#6FB9F0")`);
    return undefined;
  }
  let n: number | undefined;
  if (typeof value === "number") n = value;
  else if (typeof value === "string") {
    const text = value.trim().toLowerCase();
    if (text in ICON_COLORS) n = ICON_COLORS[text];
    else if (/^(#|0x)[0-9a-f]{1,6}$/.test(text)) n = parseInt(text.replace(/^(#|0x)/, ""), 16);
    else if (/^\d+$/.test(text)) n = Number(text);
  }
  if (n !== undefined && Object.values(ICON_COLORS).includes(n)) return n;
  problems.add(path, `expected one of ${ALLOWED}, got ${describe(value)}`);
  return undefined;
}
