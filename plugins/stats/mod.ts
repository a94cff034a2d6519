/**
 * `stats`: `/stats [today|7d|30d]` in General (for `extensions_allowed`, like `/mark` there): a
 * short text summary of the bot's analytics over the period — dialogs new / reopened / closed /
 * waiting now, first-response p50 and p90, median resolution, messages in / out / intercepted,
 * delivery problems, operator load, and messages per day, and the link to the analytics page
 * when the admin listener serves it. The numbers are what the runtime
 * recorded in its own commits (src/store/analytics.ts); nothing is counted here.
 */
import type { HookOutput } from "../../src/mod.ts";
import { definePlugin } from "../../src/mod.ts";
import { summarize, unansweredNow } from "../../src/mod.ts";
import type { Db } from "../../src/mod.ts";
import { isAllowed, refusal } from "../templates/allowed.ts";
import { wordsOf } from "../templates/names.ts";
import { periods } from "./periods.ts";
import { summaryText } from "./summary.ts";


/** `/stats help`, and the answer to wrong arguments. */
export const statsHelp = "/stats — the last 7 days; /stats today, /stats 7d, /stats 30d.";

const say = (text: string): HookOutput => ({ intents: [{ type: "sendToGeneral", text }] });

/** The built-in stats plugin. */
export default definePlugin({
  name: "stats",
  create: (_options, env) => ({
    commands: {
      stats: {
        help: "/stats — dialogs, response times, messages and operator load (/stats today|7d|30d)",
        where: "general",
        async run(ctx) {
          if (!isAllowed(env.bot, ctx)) return say(refusal("/stats"));
          const words = wordsOf(ctx.args).map((w) => w.toLowerCase());
          if (words.length === 1 && words[0] === "help") return say(statsHelp);
          const name = words.length === 0 ? "7d" : words.length === 1 && Object.hasOwn(periods, words[0]) ? words[0] : undefined;
          if (name === undefined) return say(`Usage: ${statsHelp}`);
          const period = periods[name];
          if (!env.db) return say("Stats need a store.");
          // The plugin API hands out the store untyped; these are the core's own tables.
          const db = env.db as Db;
          const bots = [env.bot.id];
          const summary = await summarize(db, bots, { from: period.from(ctx.now), to: ctx.now + 1 });
          // The page opens on this bot and period; the admin token is never put in a chat.
          const url = env.bot.analyticsUrl;
          const link = url === undefined ? undefined : `${url}?${new URLSearchParams({ bot: env.bot.id, period: name })}`;
          return say(summaryText(period.label, summary, await unansweredNow(db, bots), link));
        },
      },
    },
  }),
});
