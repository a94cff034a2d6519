/**
 * `custom-commands` (`custom_commands: false`, Hotline's CUSTOM_COMMANDS): an operator command
 * that neither the core nor any plugin provides is left alone — no "Unknown command" hint in
 * the topic or in General — because a helper bot in the operators' group handles it.
 */
import { definePlugin } from "../../src/mod.ts";

/** The built-in custom-commands plugin. */
export default definePlugin({
  name: "custom-commands",
  create: (_options, { bot }) => ({
    leavesUnknownCommand: () => bot.params.custom_commands === false,
  }),
});
