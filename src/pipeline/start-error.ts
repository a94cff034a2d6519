/** Failed when a bot cannot start for a reason retrying will not fix (wrong token, MTProto refused). */
export class BotStartError extends Error {
  override readonly name = "BotStartError";
}
