/** The `leave_closed` parameter: `true` (every kind of chat), `false`, or Hotline's words. */
import * as Schema from "effect/Schema";
import { anyOf, asFlag, describeValue, ENV_REFERENCE, lenient, param, refuse, type Refusal, wordsPattern } from "../../src/mod.ts";

/** Hotline's words: the kinds of chat whose dialogs stay closed. */
export const ClosedKind = Schema.Literal("private", "group", "channel");

/** One kind of chat `leave_closed` may name. */
export type ClosedKind = typeof ClosedKind.Type;

const WORDS = ClosedKind.literals;
const FLAG_WORDS = ["true", "false", "yes", "no", "on", "off"];

/**
 * `true`/`false` (and Hotline's spellings of them) stay booleans — `true` covers every kind —;
 * one word, words separated by commas or spaces, or a list of words give those kinds.
 */
const LeaveClosed = lenient(Schema.Union(Schema.Boolean, Schema.Array(ClosedKind)), {
  input: anyOf(
    { type: "boolean" },
    { type: "string", pattern: wordsPattern(FLAG_WORDS) },
    { type: "string", pattern: `^[\\s,]*(${WORDS.join("|")})([\\s,]+(${WORDS.join("|")}))*[\\s,]*$` },
    { type: "array", items: { type: "string", pattern: wordsPattern(WORDS) } },
    ENV_REFERENCE,
  ),
  decode: (written) => {
    const flag = Array.isArray(written) ? undefined : asFlag(written);
    if (flag !== undefined) return flag;
    const items = typeof written === "string" ? written.split(/[\s,]+/).filter((w) => w !== "") : Array.isArray(written) ? written : [written];
    const out: ClosedKind[] = [];
    const refusals: Refusal[] = [];
    items.forEach((item, i) => {
      const word = typeof item === "string" ? item.trim().toLowerCase() : undefined;
      if (word !== undefined && (WORDS as readonly string[]).includes(word)) {
        if (!out.includes(word as ClosedKind)) out.push(word as ClosedKind);
      } else {
        refusals.push({ message: `expected true, false or any of ${WORDS.join(", ")}, got ${describeValue(item)}`, actual: item, ...(Array.isArray(written) ? { at: [i] } : {}) });
      }
    });
    return refusals.length > 0 ? refuse(...refusals) : out;
  },
});

/** True when `leave_closed` keeps dialogs of this kind of chat closed. */
export function leavesClosed(value: boolean | readonly ClosedKind[], kind: ClosedKind): boolean {
  return typeof value === "boolean" ? value : value.includes(kind);
}

/** The parameters this plugin owns. */
export const params = {
  leave_closed: param(LeaveClosed, {
    default: false,
    description:
      "Closed dialogs stay closed when the chat writes again (the message is still relayed into the closed topic); new topics are created closed, without a welcome. true = every kind of chat; or any of \"private\", \"group\", \"channel\" (Hotline's values).",
    examples: [true, ["group", "channel"]],
  }),
};
