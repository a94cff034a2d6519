/**
 * Events from other plugins that belong to no dialog (broadcasts): the webhooks plugin registers
 * an outlet per bot, and a plugin that has such an event finds it with {@link webhookOutletOf}.
 * The event is queued like any other (durable, retried, in order per URL) for the URLs that
 * subscribe to it; with no subscriber it costs nothing.
 */

/** What another plugin may post. */
export interface WebhookOutlet {
  /**
   * Queues `event` with `fields` added to the common body (`id`, `event`, `time`, `bot`), for
   * every URL subscribed to it. `now` is the Clock's time of the event.
   */
  emit(event: string, fields: Record<string, unknown>, now: number): Promise<void>;
}

const outlets = new Map<string, WebhookOutlet>();

/** Registers the outlet of a bot (the webhooks plugin does, when it is created). */
export function registerWebhookOutlet(botId: string, outlet: WebhookOutlet): void {
  outlets.set(botId, outlet);
}

/** The outlet of bot `botId`, if the webhooks plugin is loaded for it. */
export const webhookOutletOf = (botId: string): WebhookOutlet | undefined => outlets.get(botId);
