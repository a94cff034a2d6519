/**
 * `labels`: Hotline's `/mark`. Labels segment users (broadcasts and exports select by them), act
 * as funnel stages (`after`), send a template when set (`sends`) and show a ticker in the topic
 * title after the user's name (`ticker`).
 *
 * - In a user's topic, every operator: `/mark`, `/mark NAME`, `/mark del NAME` (topic.ts).
 * - In General, `extensions_allowed` only: the labels and their properties (general.ts).
 *
 * Storage: the plugin's tables (store.ts) are the truth and are queryable by label; each
 * conversation keeps its label keys and ticker in its plugin data (data.ts), so titles are built
 * synchronously inside a step.
 */
import { definePlugin } from "../../src/mod.ts";
import { isAllowed, refusal } from "../templates/allowed.ts";
import { dataOf, plugin } from "./data.ts";
import { generalMark, syncKind } from "./general.ts";
import { applyWrites, labelsOfChat, migrations } from "./store.ts";
import { syncLabels, topicMark } from "./topic.ts";

/** The built-in labels plugin. */
export default definePlugin({
  name: plugin,
  migrations,
  create: (_options, env) => {
    const { bot } = env;
    return {
      commands: {
        mark: {
          help: "/mark — labels (in a topic: /mark NAME, /mark del NAME; in General: /mark help)",
          where: "both",
          run(ctx) {
            if (ctx.conversation.state !== "general") return topicMark(ctx, env);
            if (!isAllowed(bot, ctx)) return { intents: [{ type: "sendToGeneral", text: refusal("/mark in General") }] };
            return generalMark(ctx, env);
          },
        },
      },
      titleSuffix: (data) => dataOf(data).ticker,
      timers: {
        [syncKind]: (ctx) => syncLabels(ctx, env, (chatId) => labelsOfChat(env.db!, bot.id, chatId)),
      },
      onEvent(ctx) {
        // A deleted topic was replaced: the links of its labels follow the new one.
        if (ctx.event.type !== "topic.created" || dataOf(ctx.conversation.data).keys.length === 0) return;
        return { effects: [{ type: "write", plugin, value: { op: "topic", topicId: ctx.event.topicId } }] };
      },
      write: (tx, writes) => applyWrites(tx, bot.id, writes),
    };
  },
});
