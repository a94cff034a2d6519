/** `help`: `/help` in a topic lists the commands of the core and of every loaded plugin. */
import { definePlugin } from "../../src/mod.ts";

/** The built-in help plugin. */
export default definePlugin({
  name: "help",
  create: (_options, env) => ({
    commands: {
      help: {
        help: "/help — this list",
        where: "topic",
        run: () => ({ intents: [{ type: "sendToTopic", text: ["Commands in a user's topic:", ...env.commandHelp("topic")].join("\n") }] }),
      },
    },
  }),
});
