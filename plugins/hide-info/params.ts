/** The `hide_info` parameter: which parts of a user's identity operators do not see. */
import * as Schema from "effect/Schema";
import { anyOf, describeValue, ENV_REFERENCE, lenient, param, refuse, type Refusal, wordsPattern } from "../../src/mod.ts";

/** What can be hidden: `name`/`title` (an alias instead), `link` (no username, link or id), `command` (/info in private). */
export const HiddenInfo = Schema.Literal("name", "title", "link", "command");

/** Which parts of the user's identity `hide_info` hides. */
export type HiddenInfo = typeof HiddenInfo.Type;

const WORDS = HiddenInfo.literals;

/** A list of what to hide, one word, or words separated by commas or spaces; duplicates collapse. */
const Hidden = lenient(Schema.Array(HiddenInfo), {
  input: anyOf(
    { type: "string", pattern: `^[\\s,]*(${WORDS.join("|")})([\\s,]+(${WORDS.join("|")}))*[\\s,]*$` },
    { type: "array", items: { type: "string", pattern: wordsPattern(WORDS) } },
    ENV_REFERENCE,
  ),
  decode: (written) => {
    const items = typeof written === "string" ? written.split(/[\s,]+/).filter((w) => w !== "") : Array.isArray(written) ? written : [written];
    const out: HiddenInfo[] = [];
    const refusals: Refusal[] = [];
    items.forEach((item, i) => {
      const word = typeof item === "string" ? item.trim().toLowerCase() : undefined;
      if (word !== undefined && (WORDS as readonly string[]).includes(word)) {
        if (!out.includes(word as HiddenInfo)) out.push(word as HiddenInfo);
      } else {
        refusals.push({ message: `expected any of ${WORDS.join(", ")}, got ${describeValue(item)}`, actual: item, ...(Array.isArray(written) ? { at: [i] } : {}) });
      }
    });
    return refusals.length > 0 ? refuse(...refusals) : out;
  },
});

/** The parameters this plugin owns (`info-card` reads `link` and `command`). */
export const params = {
  hide_info: param(Hidden, {
    default: [],
    description:
      "What operators do not see about users: name or title (a stable alias like \"Calm Otter 0421\" in titles and cards, no username or tg:// link; the numeric id stays; title also hides the titles of monitored groups and channels, and name copies group messages instead of forwarding them, so their senders are not named), link (no username, tg:// link or numeric id on the card), command (/info only by private message to operators allowed by extensions_allowed).",
    examples: [["name"], ["link", "command"]],
  }),
};
