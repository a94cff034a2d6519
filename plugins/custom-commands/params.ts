/** The `custom_commands` parameter (Hotline's CUSTOM_COMMANDS). */
import { Flag, param } from "../../src/mod.ts";

/** The parameters this plugin owns. */
export const params = {
  custom_commands: param(Flag, {
    default: true,
    description:
      "false: Switchboard does not answer operator commands it does not know (no \"Unknown command\" hint in topics or General), so a helper bot in the group can handle them.",
  }),
};
