/**
 * `help`: `/help` lists the commands of the core and of every loaded plugin — in a user's topic
 * the topic commands, in General the General commands as well.
 */
import { definePlugin } from "../../src/mod.ts";

/** The built-in help plugin. */
export default definePlugin({
  name: "help",
  create: (_options, env) => ({
    commands: {
      help: {
        help: "/help — this list",
        where: "both",
        run: (ctx) => {
          const topic = ["Commands in a user's topic:", ...env.commandHelp("topic")].join("\n");
          if (ctx.conversation.state !== "general") return { intents: [{ type: "sendToTopic", text: topic }] };
          const general = env.commandHelp("general");
          return { intents: [{ type: "sendToGeneral", text: general.length > 0 ? `Commands here in General:\n${general.join("\n")}\n\n${topic}` : topic }] };
        },
      },
    },
  }),
});
