/** Update delivery methods: getUpdates (long polling) and the webhook trio. */
import { badRequest } from "../errors.ts";
import type { MethodHandler } from "./context.ts";

const getUpdates: MethodHandler = (ctx) => {
  const p = ctx.params;
  return ctx.bot.updates.getUpdates(
    {
      offset: p.int("offset"),
      limit: p.int("limit"),
      timeout: p.int("timeout"),
      allowed_updates: p.json<string[]>("allowed_updates"),
    },
    ctx.signal,
  );
};

const setWebhook: MethodHandler = (ctx) => {
  const p = ctx.params;
  const url = p.str("url") ?? "";
  // Telegram demands HTTPS; the emulator also takes plain HTTP so tests can listen locally.
  if (url && !/^https?:\/\//.test(url)) throw badRequest("Bad Request: bad webhook: An HTTPS URL must be provided for webhook");
  const secret = p.str("secret_token");
  if (secret && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) throw badRequest("Bad Request: secret token contains unallowed characters");
  ctx.bot.updates.setWebhook({
    url,
    secret_token: secret,
    allowed_updates: p.json<string[]>("allowed_updates"),
    drop_pending_updates: p.bool("drop_pending_updates"),
    max_connections: p.int("max_connections"),
  });
  return true;
};

const deleteWebhook: MethodHandler = (ctx) => {
  ctx.bot.updates.deleteWebhook(ctx.params.bool("drop_pending_updates"));
  return true;
};

const getWebhookInfo: MethodHandler = (ctx) => ctx.bot.updates.webhookInfo();

/** Update delivery methods by name. */
export const pollingMethods: Record<string, MethodHandler> = { getUpdates, setWebhook, deleteWebhook, getWebhookInfo };
