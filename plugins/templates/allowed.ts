/**
 * `extensions_allowed`: who may use the admin commands in General (`/mark …`, `/template …`).
 * An empty list means every operator of the group, as in Hotline.
 */
import type { BotView, HookContext } from "../../src/mod.ts";

/** The operator who sent the command being run, if the event carries one. */
export const operatorOf = (ctx: HookContext): number | undefined =>
  ctx.event.type === "operator.command" ? ctx.event.message.from?.id : undefined;

/** True when the command's sender may use the admin commands. */
export function isAllowed(bot: BotView, ctx: HookContext): boolean {
  const allowed = bot.params.extensions_allowed;
  if (allowed.length === 0) return true;
  const operator = operatorOf(ctx);
  return operator !== undefined && allowed.includes(operator);
}

/** The one-line refusal for an operator outside `extensions_allowed`. */
export const refusal = (command: string): string => `⛔ ${command} is only for the operators listed in extensions_allowed.`;
