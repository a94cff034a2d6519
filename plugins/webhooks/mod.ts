/**
 * `webhooks`: the Hotline parameter `webhooks: { url: [events] }`. Every event a URL subscribes
 * to is POSTed to it as JSON (payload.ts, docs/webhooks.md): `dialog_created`,
 * `dialog_reopened`, `dialog_closed`, `message_received`, `message_sent`,
 * `message_intercepted`, or `/command` — an operator command typed in a user's topic.
 *
 * Durable and at least once: a step's events are queued by a `write` effect in the step's own
 * commit transaction, and a background sender (sender.ts) drains the queue, retrying failures.
 * A subscribed command that nothing else handles (say `/invoice`) becomes a command of this
 * plugin, so operators get no "unknown command" hint: it exists to be reported. The endpoint's
 * answer to a command is posted into the topic (command-answer.ts).
 */
import { randomUUID } from "node:crypto";
import * as Effect from "effect/Effect";
import type { CommandSpec, HookOutput, PluginWrite } from "../../src/mod.ts";
import { coreCommands, definePlugin } from "../../src/mod.ts";
import { answerIntent, answerKind, chatOf, topicMessageFor } from "./command-answer.ts";
import { occurrencesOf } from "./events.ts";
import { webhookOptions } from "./options.ts";
import { payloadOf } from "./payload.ts";
import { enqueue, migrations, type QueuedEvent } from "./queue.ts";
import { registerWebhookOutlet } from "./outlet.ts";
import { makeWebhookSender } from "./sender.ts";

const name = "webhooks";

/** URLs by event name (`dialog_created`, `/close` — commands lowercase, as the router parses them). */
function subscriptionsOf(webhooks: Readonly<Record<string, readonly string[]>>): Map<string, string[]> {
  const byEvent = new Map<string, string[]>();
  for (const [url, events] of Object.entries(webhooks)) {
    for (const raw of events) {
      const event = raw.startsWith("/") ? raw.toLowerCase() : raw;
      const urls = byEvent.get(event) ?? [];
      if (!urls.includes(url)) urls.push(url);
      byEvent.set(event, urls);
    }
  }
  return byEvent;
}

/** The built-in webhooks plugin. */
export default definePlugin({
  name,
  options: webhookOptions,
  migrations,
  create: (options, env) => {
    const { bot, log } = env;
    const subscriptions = subscriptionsOf(bot.params.webhooks);
    // Even with no subscriptions left, a previous run may have queued events: they still go out.
    const sender = env.db
      ? Effect.runSync(makeWebhookSender({
        db: env.db, botId: bot.id, log, secret: options.secret, timeoutMs: options.timeoutMs, retryForMs: options.retryForMs,
        // A command's answer (or why there is none) goes into the dialog's topic; the sender
        // keeps it in the queue row until the report is made.
        reportOf: (row, attempt, outcome) => {
          if (!row.event.startsWith("/")) return undefined;
          const message = topicMessageFor(row, attempt, outcome);
          const chatId = message && chatOf(row);
          return message && chatId !== undefined ? JSON.stringify({ chatId, message }) : undefined;
        },
        report: async (_row, text) => {
          const { chatId, message } = JSON.parse(text) as { chatId: number; message: Parameters<typeof answerIntent>[0] };
          await env.report(chatId, answerKind, message);
        },
      }))
      : undefined;

    // Events of other plugins that belong to no dialog (broadcasts): queued the same way.
    const db = env.db;
    if (db) {
      registerWebhookOutlet(bot.id, {
        async emit(event, fields, now) {
          const urls = subscriptions.get(event);
          if (!urls) return;
          const id = randomUUID();
          const body = { id, event, time: new Date(now).toISOString(), bot: { id: bot.id, username: bot.username, group_id: bot.groupId }, ...fields };
          await enqueue(db, bot.id, [{ urls, event, eventId: id, body: JSON.stringify(body) }], now);
          sender?.wake();
        },
      });
    }

    const commands: Record<string, CommandSpec> = {};
    for (const event of subscriptions.keys()) {
      const command = event.slice(1);
      if (!event.startsWith("/") || (coreCommands as readonly string[]).includes(command)) continue;
      commands[command] = { help: `/${command} — reported to the webhooks`, where: "topic", fallback: true, run: () => undefined };
    }

    return {
      commands,
      onEvent(ctx): HookOutput | undefined {
        const e = ctx.event;
        if (e.type === "plugin.result") {
          return e.plugin === name && e.kind === answerKind ? { intents: [answerIntent(e.data as Parameters<typeof answerIntent>[0])] } : undefined;
        }
        if (subscriptions.size === 0) return;
        const effects = occurrencesOf(ctx).flatMap(({ event, fields }) => {
          const urls = subscriptions.get(event);
          if (!urls) return [];
          const id = randomUUID();
          const value: QueuedEvent = { urls, event, eventId: id, body: JSON.stringify(payloadOf(id, event, ctx.now, bot, ctx.conversation, fields)) };
          return [{ type: "write" as const, plugin: name, value }];
        });
        return effects.length > 0 ? { effects } : undefined;
      },
      async write(tx, writes: readonly PluginWrite[]) {
        // The step's time, from the runtime's Clock: the sender's schedule counts from it.
        await enqueue(tx, bot.id, writes.map((w) => w.value as QueuedEvent), writes[0]?.now ?? 0);
      },
      committed: () => sender?.wake(),
      ...(sender ? { start: () => sender.run } : {}),
    };
  },
});
