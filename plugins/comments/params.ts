/** The `reply_only` parameter. */
import { Flag, param } from "../../src/mod.ts";

/** The parameters this plugin owns. */
export const params = {
  reply_only: param(Flag, {
    default: false,
    description: "Only operators' explicit replies to a user's message go to the user; everything else stays in the topic as a comment.",
  }),
};
