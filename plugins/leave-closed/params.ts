/** The `leave_closed` parameter. */
import { Flag, param } from "../../src/mod.ts";

/** The parameters this plugin owns. */
export const params = {
  leave_closed: param(Flag, {
    default: false,
    description:
      "Closed dialogs stay closed when the user writes again (the message is still relayed into the closed topic); new topics are created closed, without a welcome.",
  }),
};
