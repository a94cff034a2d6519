/**
 * `silent-mode`: when a user's message could not be shown to the operators, the user gets a
 * short apology — unless `silent_mode` is on, e.g. in parallel mode where another system talks
 * to the user and should not be contradicted.
 */
import { definePlugin } from "../../src/mod.ts";

/** What the user is told. */
export const apology = "⚠️ Sorry, this message could not be delivered to our support team. Please send it again, or in another form.";

/** The built-in silent-mode plugin. */
export default definePlugin({
  name: "silent-mode",
  create: (_options, { bot }) => ({
    onEvent(ctx) {
      if (bot.params.silent_mode || ctx.event.type !== "delivery.failed" || ctx.event.intent !== "copyToTopic") return;
      return { intents: [{ type: "sendToUser", text: apology }] };
    },
  }),
});
