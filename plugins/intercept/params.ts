/** The `intercept` parameter. */
import { Flag, param } from "../../src/mod.ts";

/** The parameters this plugin owns. */
export const params = {
  intercept: param(Flag, {
    default: true,
    description: "In parallel mode, show what the other system sends a user in the user's open topic (marked 🤖).",
  }),
};
