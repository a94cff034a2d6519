/** Failed when a bot cannot start for a reason retrying will not fix (wrong token, MTProto refused). */
export class BotStartError extends Error {
  override readonly name = "BotStartError";
}

/** The words of a failed listen: @effect/platform's `ServeError` has an empty message and the
 * system's reason (`EADDRINUSE` …) in its cause. */
const reasonOf = (e: unknown): string => {
  const own = (e as { readonly message?: unknown } | undefined)?.message;
  if (typeof own === "string" && own !== "") return own;
  const cause = (e as { readonly cause?: unknown } | undefined)?.cause;
  return cause !== undefined && cause !== e ? reasonOf(cause) : String(e);
};

/** Turns a server's failure to listen into the bot's start error, saying where and for what. */
export const cannotListen = (botId: string, what: string, listen: { readonly host: string; readonly port: number }) =>
  (e: unknown): BotStartError => new BotStartError(`bot "${botId}": cannot listen on ${listen.host}:${listen.port} for ${what}: ${reasonOf(e)}`);
