/**
 * `/mark` in a user's topic (every operator): `/mark` shows the topic's labels, `/mark NAME`
 * sets one (a name never used before creates the label), `/mark del NAME` removes one. Setting a
 * label removes its `after` labels and sends its `sends` template; a change of tickers retitles
 * the topic. Everything is part of the step: the label rows are `write` effects in its commit.
 */
import type { ConversationEvent, HookContext, HookOutput, Intent, PluginEnv } from "../../src/mod.ts";
import { templateBookOf } from "../templates/book.ts";
import { templateAnswer } from "../templates/mod.ts";
import { checkName, wordsOf } from "../templates/names.ts";
import { dataOf, type LabelData, labelData, plugin, withLabels } from "./data.ts";
import { getLabel, getLabels, type LabelWrite } from "./store.ts";

/** `/mark help` in a topic. */
export const topicHelp = [
  "/mark — this topic's labels",
  "/mark NAME — set a label (a new name creates it)",
  "/mark del NAME — remove a label",
].join("\n");

const say = (text: string, more: Intent[] = []): HookOutput => ({ intents: [{ type: "sendToTopic", text }, ...more] });

/** Runs `/mark …` in a topic. */
export async function topicMark(ctx: HookContext & { args: string }, env: PluginEnv): Promise<HookOutput> {
  const db = env.db;
  if (!db) return say("Labels need a store.");
  const botId = env.bot.id;
  const words = wordsOf(ctx.args);
  const current = dataOf(ctx.conversation.data);

  if (words.length === 0) {
    if (current.keys.length === 0) return say(`No labels on this topic.\n${topicHelp}`);
    const found = await getLabels(db, botId, current.keys);
    return say(`Labels: ${current.keys.map((k) => found.get(k)?.name ?? k).join(", ")}`);
  }
  if (words.length === 1 && words[0].toLowerCase() === "help") return say(topicHelp);

  const removing = words[0].toLowerCase() === "del";
  if ((removing && words.length !== 2) || (!removing && words.length !== 1)) return say(`Usage: /mark NAME or /mark del NAME (label properties are set in General).`);
  const checked = checkName(removing ? words[1] : words[0], "label");
  if ("error" in checked) return say(checked.error);

  if (removing) {
    if (!current.keys.includes(checked.key)) return say(`This topic has no label ${checked.name}.`);
    const keys = current.keys.filter((k) => k !== checked.key);
    const label = await getLabel(db, botId, checked.key);
    const next = labelData(keys, await getLabels(db, botId, keys));
    return change(ctx, env, current, next, { op: "set", topicId: ctx.conversation.topicId, add: [], remove: [checked.key] }, [
      { type: "sendToTopic", text: `🏷 Removed label ${label?.name ?? checked.name}.` },
    ]);
  }

  const label = await getLabel(db, botId, checked.key);
  const name = label?.name ?? checked.name;
  if (current.keys.includes(checked.key)) return say(`This topic already has label ${name}.`);
  const removed = (label?.after ?? []).filter((k) => current.keys.includes(k));
  const keys = [...current.keys.filter((k) => !removed.includes(k)), checked.key];
  const found = await getLabels(db, botId, [...keys, ...removed]);
  const next = labelData(keys, found);
  const removedNote = removed.length > 0 ? ` Removed ${removed.map((k) => found.get(k)?.name ?? k).join(", ")}.` : "";
  const intents: Intent[] = [{ type: "sendToTopic", text: `🏷 Set label ${name}${label ? "" : " (a new label)"}.${removedNote}` }];
  const events: ConversationEvent[] = [];
  if (label?.sends) {
    const template = await templateBookOf(botId)?.find(label.sends.toLowerCase());
    if (template) events.push(templateAnswer(template, `label ${name}`));
    else intents.push({ type: "sendToTopic", text: `⚠️ Label ${name} sends template ${label.sends}, which does not exist: nothing was sent.` });
  }
  const write: LabelWrite = { op: "set", topicId: ctx.conversation.topicId, add: [checked.key], remove: removed, ...(label ? {} : { create: { key: checked.key, name: checked.name } }) };
  return { ...change(ctx, env, current, next, write, intents), events };
}

/** The step's output for a change of the topic's labels: data, rows, answers, and the title if its ticker changed. */
function change(ctx: HookContext, env: PluginEnv, current: LabelData, next: LabelData, write: LabelWrite, intents: Intent[]): HookOutput {
  const title = (current.ticker ?? "") !== (next.ticker ?? "") ? env.titleOf(ctx.conversation, withLabels(ctx.conversation, next)) : undefined;
  return {
    intents: [...intents, ...(title ? [{ type: "editTopic" as const, name: title }] : [])],
    effects: [{ type: "setData", plugin, value: next }, { type: "write", plugin, value: write }],
  };
}

/**
 * The `labels.sync` timer: re-reads the conversation's labels from the tables after a change
 * made in General (a ticker, a rename) and retitles the topic when its ticker changed.
 */
export async function syncLabels(ctx: HookContext, env: PluginEnv, keysOf: (chatId: number) => Promise<string[]>): Promise<HookOutput | undefined> {
  if (!env.db) return undefined;
  const current = dataOf(ctx.conversation.data);
  const keys = await keysOf(ctx.conversation.chatId);
  const next = labelData(keys, await getLabels(env.db, env.bot.id, keys));
  const title = (current.ticker ?? "") !== (next.ticker ?? "") ? env.titleOf(ctx.conversation, withLabels(ctx.conversation, next)) : undefined;
  return {
    intents: title ? [{ type: "editTopic", name: title }] : [],
    effects: [{ type: "setData", plugin, value: next }],
  };
}
