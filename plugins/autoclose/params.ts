/** The `autoclose` parameter: hours in 🟨 before a dialog closes by itself. */
import * as Schema from "effect/Schema";
import { anyOf, asNumber, describeValue, ENV_REFERENCE, isOff, lenient, param, refuse, wordsPattern } from "../../src/mod.ts";

/** Hours in 🟨 before a dialog closes, as in Hotline. */
export const DEFAULT_AUTOCLOSE_HOURS = 48;

/** Hours with fractions; `off`, `false` and `0` disable autoclose, which is `Infinity` hours. */
const Hours = lenient(Schema.Number, {
  input: anyOf(
    { type: "number", minimum: 0 },
    { type: "string", pattern: "^\\s*\\+?(\\d+(\\.\\d*)?|\\.\\d+)\\s*$" },
    { type: "string", pattern: wordsPattern(["off"]) },
    { type: "boolean", enum: [false] },
    ENV_REFERENCE,
  ),
  decode: (written) => {
    if (isOff(written)) return Infinity;
    const hours = asNumber(written);
    if (hours === undefined) return refuse(`expected hours (e.g. 48 or 0.5) or "off", got ${describeValue(written)}`);
    if (hours === 0) return Infinity;
    if (hours > 0) return hours;
    return refuse(`expected hours greater than 0 (e.g. 48 or 0.5) or "off", got ${describeValue(written)}`);
  },
  encode: (hours) => (Number.isFinite(hours) ? hours : "off"),
});

/** The parameters this plugin owns. */
export const params = {
  autoclose: param(Hours, {
    default: DEFAULT_AUTOCLOSE_HOURS,
    description:
      "Hours a dialog may stay 🟨 (operators answered last) without a user message before it closes by itself; fractions allowed (0.5 = 30 minutes). \"off\" or 0 disables. Consumers see Infinity when off.",
    examples: [48, 0.5, "off"],
  }),
};
