/**
 * `icon_color`: Telegram only accepts six topic icon colours, so anything else is refused here
 * rather than by `createForumTopic` at the first user message.
 */
import * as Schema from "effect/Schema";
import { anyOf, describeValue, ENV_REFERENCE, lenient, param, refuse, wordsPattern } from "../../src/mod.ts";

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
const VALUES = Object.values(ICON_COLORS);

/** The allowed values, spelled out for error messages. */
const ALLOWED = Object.entries(ICON_COLORS).map(([name, n]) => `${name} (${hex(n)} = ${n})`).join(", ");

/** A colour given as a name, decimal, `0x6FB9F0` or `#6FB9F0`. */
const IconColor = lenient(Schema.NullOr(Schema.Number), {
  input: anyOf(
    { enum: VALUES },
    { type: "string", pattern: wordsPattern(Object.keys(ICON_COLORS)) },
    { type: "string", pattern: wordsPattern(VALUES.flatMap((n) => [`#${n.toString(16)}`, `0x${n.toString(16)}`])) },
    { type: "string", pattern: `^\\s*(${VALUES.join("|")})\\s*$` },
    ENV_REFERENCE,
  ),
  decode: (written) => {
    // An unquoted `#6FB9F0` is a YAML comment and arrives as nothing; a silent default would hide that.
    if (written === null || written === undefined) return refuse(`expected one of ${ALLOWED}, got nothing (quote hex colours: "#6FB9F0")`);
    let n: number | undefined;
    if (typeof written === "number") n = written;
    else if (typeof written === "string") {
      const text = written.trim().toLowerCase();
      if (text in ICON_COLORS) n = ICON_COLORS[text];
      else if (/^(#|0x)[0-9a-f]{1,6}$/.test(text)) n = parseInt(text.replace(/^(#|0x)/, ""), 16);
      else if (/^\d+$/.test(text)) n = Number(text);
    }
    if (n !== undefined && VALUES.includes(n)) return n;
    return refuse(`expected one of ${ALLOWED}, got ${describeValue(written)}`);
  },
});

/** The parameters this plugin owns. */
export const params = {
  icon_color: param(IconColor, {
    default: null,
    whenEmpty: "check",
    description: `Icon colour of new topics, one of Telegram's six: ${ALLOWED}; a name, decimal, "0x6FB9F0" or "#6FB9F0" (quoted: an unquoted # starts a YAML comment). Absent: Telegram's default.`,
    examples: ["violet", "#6FB9F0"],
  }),
};
