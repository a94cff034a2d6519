/**
 * `start-param`: remembers the payload of `/start PAYLOAD` (an ad campaign, a referral) and
 * shows it when the user's topic first opens — also when keyword gating opened it later.
 */
import { definePlugin, type HookContext } from "../../src/mod.ts";

const startPattern = /^\/start(?:@\w+)?\s+(\S+)/;

/** The start parameter a conversation was started with, as stored by this plugin. */
export const startParamOf = (data: Readonly<Record<string, unknown>>): string | undefined =>
  typeof data["start-param"] === "string" ? (data["start-param"] as string) : undefined;

/**
 * The start parameter known for a step: stored, or in the message being handled (whose
 * `setData` is committed only after every plugin's reaction to it has run).
 */
export function startParamFor(ctx: HookContext): string | undefined {
  const stored = startParamOf(ctx.conversation.data);
  if (stored || ctx.event.type !== "user.message") return stored;
  return startPattern.exec(ctx.event.message.text ?? "")?.[1];
}

/** The built-in start-param plugin. */
export default definePlugin({
  name: "start-param",
  create: () => ({
    onEvent(ctx) {
      if (ctx.event.type !== "user.message") return;
      const known = startParamOf(ctx.conversation.data);
      const payload = startParamFor(ctx);
      const effects = payload && !known ? [{ type: "setData" as const, plugin: "start-param", value: payload }] : [];
      // Shown once, when the topic is first created (from idle or after keyword gating).
      const firstOpening = ctx.to.state === "topic-open" && (ctx.from === undefined || ctx.from.state === "idle" || ctx.from.state === "awaiting-keyword");
      const intents = payload && firstOpening ? [{ type: "sendToTopic" as const, text: `▶️ Started the bot with the parameter: ${payload}` }] : [];
      return { effects, intents };
    },
  }),
});
