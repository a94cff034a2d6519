/** The `silent_mode` parameter. */
import { Flag, param } from "../../src/mod.ts";

/** The parameters this plugin owns. */
export const params = {
  silent_mode: param(Flag, {
    default: false,
    description: "Do not tell users that a message of theirs could not reach support (e.g. when another system talks to them in parallel).",
  }),
};
