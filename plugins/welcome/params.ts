/** The `welcome` parameter: the greeting, or none. */
import * as Schema from "effect/Schema";
import { anyOf, describeValue, isOff, lenient, param, refuse } from "../../src/mod.ts";

/** The greeting sent when `welcome` is not set; `{title}` becomes the user's full name. */
export const DEFAULT_WELCOME =
  "Hello, {title}! Thank you for contacting us. Please describe your question and an operator will reply here as soon as possible.";

/** A greeting text, or `off` / `false` for none (`null`). */
const Welcome = lenient(Schema.NullOr(Schema.String), {
  input: anyOf({ type: "string", minLength: 1 }, { type: "boolean", enum: [false] }),
  decode: (written) => {
    if (isOff(written)) return null;
    if (typeof written === "string" && written.trim() !== "") return written;
    return refuse(`expected a greeting text or "off", got ${describeValue(written)}`);
  },
  encode: (text) => text ?? "off",
});

/** The parameters this plugin owns. */
export const params = {
  welcome: param(Welcome, {
    default: DEFAULT_WELCOME,
    description:
      "Greeting sent to the user when a dialog opens by their message (first contact and every reopening); {title} becomes the user's full name. Telegram's HTML tags (<b>, <i>, <a href>) are allowed. \"off\" sends none.",
    examples: ["Hello, {title}! An operator will answer here.", "off"],
  }),
};
