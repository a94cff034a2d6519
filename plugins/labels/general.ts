/**
 * `/mark` in General (for `extensions_allowed`): the labels and their properties.
 *
 * `/mark` lists them with counts; `/mark NAME` shows one with its topics (links);
 * `/mark new NAME`; `/mark NAME after L1,L2` | `after clear`; `/mark NAME sends TEMPLATE` |
 * `sends clear`; `/mark NAME ticker TEXT` | `ticker clear`; `/mark NAME name NEW`; `/mark help`.
 *
 * A change is a `write` effect: it commits with the answer, the sync timers and the update's
 * inbox mark in the step's transaction (store.ts `applyWrites`), so a crash keeps all or none
 * of it. The processor commits each General command on its own, so the next one reads what
 * this one wrote. A change that shows in topics (ticker, name) sets a `labels.sync` timer on
 * every conversation with the label: each then re-reads its labels and retitles its topic
 * through its own lane and the outbox.
 */
import { type HookContext, type HookOutput, linkGroupId, type PluginEffect, type PluginEnv } from "../../src/mod.ts";
import { templateBookOf } from "../templates/book.ts";
import { checkName, wordsOf } from "../templates/names.ts";
import { plugin } from "./data.ts";
import { chatsWith, getLabel, getLabels, type Label, type LabelWrite, listWithCounts } from "./store.ts";

/** `/mark help` in General. */
export const generalHelp = [
  "Labels:",
  "/mark — all labels and how many topics have each",
  "/mark NAME — a label's properties and its topics",
  "/mark new NAME — create a label",
  "/mark NAME after L1,L2 — setting NAME removes L1 and L2 (funnel stages); after clear",
  "/mark NAME sends TEMPLATE — setting NAME sends the template to the user; sends clear",
  "/mark NAME ticker TEXT — show TEXT (or an emoji) in its topics' titles; ticker clear",
  "/mark NAME name NEW — rename it",
  "Names: a Latin letter first, then letters, digits, - or _; case-insensitive. In a topic: /mark NAME sets a label, /mark del NAME removes it.",
].join("\n");

/** The timer kind that makes a conversation re-read its labels. */
export const syncKind = "labels.sync";

/** Longest ticker (titles are capped at 128 characters). */
export const maxTicker = 16;

/** Topics listed under `/mark NAME`. */
const maxLinks = 50;

const say = (text: string, effects: PluginEffect[] = []): HookOutput => ({ intents: [{ type: "sendToGeneral", text }], effects });
/** A label change, committed with the step (store.ts `applyWrites`). */
const write = (value: LabelWrite): PluginEffect => ({ type: "write", plugin, value });

/** `https://t.me/c/<internal id>/<thread>`: the link operators open a topic with. */
export function topicLink(groupId: number, topicId: number): string {
  return `https://t.me/c/${linkGroupId(groupId)}/${topicId}`;
}

/** Runs `/mark …` in General (permissions already checked). */
export async function generalMark(ctx: HookContext & { args: string }, env: PluginEnv): Promise<HookOutput> {
  const db = env.db;
  if (!db) return say("Labels need a store.");
  const botId = env.bot.id;
  const words = wordsOf(ctx.args);

  if (words.length === 0) {
    const all = await listWithCounts(db, botId);
    if (all.length === 0) return say(`No labels yet.\n\n${generalHelp}`);
    return say([`Labels (${all.length}):`, ...all.map(({ label, count }) => `${label.name}${label.ticker ? ` ${label.ticker}` : ""} — ${count === 1 ? "1 topic" : `${count} topics`}`), "", "/mark NAME shows one; /mark help lists the commands."].join("\n"));
  }
  const first = words[0].toLowerCase();
  if (first === "help" && words.length === 1) return say(generalHelp);
  if (first === "new") {
    if (words.length !== 2) return say("Usage: /mark new NAME.");
    const checked = checkName(words[1], "label");
    if ("error" in checked) return say(checked.error);
    if (isWord(checked.key)) return say(`"${checked.name}" is a command word; choose another label name.`);
    const existing = await getLabel(db, botId, checked.key);
    return existing ? say(`Label ${checked.name} already exists.`) : say(`Created label ${checked.name}.`, [write({ op: "create", name: checked.name })]);
  }

  const checked = checkName(words[0], "label");
  if ("error" in checked) return say(checked.error);
  const label = await getLabel(db, botId, checked.key);
  if (!label) {
    const renamed = words.length === 3 && words[1].toLowerCase() === "name" ? await renamedTo(db, botId, words[2], ctx.now) : undefined;
    if (renamed) return say(`No label ${checked.name}; ${renamed.name} exists (${topicCount(renamed.sync.length)} re-read their labels).`, renamed.sync);
    return say(`No label ${checked.name}. /mark new ${checked.name} creates it.`);
  }
  if (words.length === 1) return say(await describe(db, botId, env.bot.groupId, label));

  const property = words[1].toLowerCase();
  const rest = words.slice(2);
  const clear = rest.length === 1 && rest[0].toLowerCase() === "clear";
  switch (property) {
    case "after": {
      if (rest.length === 0) return say(`Usage: /mark ${label.name} after L1,L2 (or after clear).`);
      if (clear) {
        return say(`Setting ${label.name} no longer removes other labels.`, [write({ op: "update", key: label.key, change: { after: [] } })]);
      }
      const names = rest.join(",").split(",").map((s) => s.trim()).filter(Boolean);
      const keys: string[] = [];
      for (const n of names) {
        const c = checkName(n, "label");
        if ("error" in c) return say(c.error);
        if (c.key === label.key) return say(`A label cannot remove itself: ${label.name} is in its own after list.`);
        if (!keys.includes(c.key)) keys.push(c.key);
      }
      const found = await getLabels(db, botId, keys);
      const missing = keys.filter((k) => !found.has(k));
      if (missing.length > 0) return say(`No label ${missing.join(", ")}. /mark new NAME creates one.`);
      return say(`Setting ${label.name} now removes ${keys.map((k) => found.get(k)!.name).join(", ")}.`, [write({ op: "update", key: label.key, change: { after: keys } })]);
    }
    case "sends": {
      if (rest.length !== 1) return say(`Usage: /mark ${label.name} sends TEMPLATE (or sends clear).`);
      if (clear) {
        return say(`Setting ${label.name} no longer sends a template.`, [write({ op: "update", key: label.key, change: { sends: null } })]);
      }
      const t = checkName(rest[0], "template");
      if ("error" in t) return say(t.error);
      const template = await templateBookOf(botId)?.find(t.key);
      if (!template) return say(`No template ${t.name}. /template lists them.`);
      return say(`Setting ${label.name} now sends template ${template.name} to the user.`, [write({ op: "update", key: label.key, change: { sends: template.name } })]);
    }
    case "ticker": {
      if (rest.length === 0) return say(`Usage: /mark ${label.name} ticker TEXT (or ticker clear).`);
      const ticker = clear ? null : rest.join(" ");
      if (ticker !== null && Array.from(ticker).length > maxTicker) return say(`A ticker has at most ${maxTicker} characters; "${ticker}" is longer.`);
      const retitle = await syncTimers(db, botId, label.key, ctx.now);
      const topics = retitle.length === 1 ? "1 topic" : `${retitle.length} topics`;
      const text = ticker === null ? `Label ${label.name} has no ticker now (${topics} retitled).` : `Label ${label.name} shows ${ticker} in titles now (${topics} retitled).`;
      return say(text, [write({ op: "update", key: label.key, change: { ticker } }), ...retitle]);
    }
    case "name": {
      if (rest.length !== 1) return say(`Usage: /mark ${label.name} name NEW.`);
      const to = checkName(rest[0], "label");
      if ("error" in to) return say(to.error);
      if (isWord(to.key)) return say(`"${to.name}" is a command word; choose another label name.`);
      if (to.key !== label.key && (await getLabel(db, botId, to.key))) return say(`Label ${to.name} already exists.`);
      // The same conversations carry it after the rename (their assignments are renamed with it).
      const retitle = await syncTimers(db, botId, label.key, ctx.now);
      return say(`Renamed label ${label.name} to ${to.name}.`, [write({ op: "rename", from: label.key, to: to.name }), ...retitle]);
    }
    default:
      return say(`Unknown label property "${words[1]}": use after, sends, ticker or name (/mark help).`);
  }
}

/** Words that cannot be label names: they are sub-commands. */
const isWord = (key: string) => key === "new" || key === "help" || key === "del";

/**
 * `/mark OLD name NEW` when OLD is gone and NEW exists: most likely the same command again (an
 * operator who did not see the answer yet). The conversations with NEW may still carry OLD in
 * their data, so the timers are set again: re-reading is harmless when they do not. Undefined
 * when NEW does not exist either.
 */
async function renamedTo(db: NonNullable<PluginEnv["db"]>, botId: string, to: string, now: number): Promise<{ name: string; sync: PluginEffect[] } | undefined> {
  const checked = checkName(to, "label");
  if ("error" in checked) return undefined;
  const label = await getLabel(db, botId, checked.key);
  return label && { name: label.name, sync: await syncTimers(db, botId, label.key, now) };
}

const topicCount = (n: number) => (n === 1 ? "1 topic" : `${n} topics`);

/** A `labels.sync` timer, due now, on every conversation with the label. */
async function syncTimers(db: NonNullable<PluginEnv["db"]>, botId: string, key: string, now: number): Promise<PluginEffect[]> {
  return (await chatsWith(db, botId, key)).map(({ chatId }) => ({ type: "setTimer", kind: syncKind, dueAt: now, chatId }));
}

async function describe(db: NonNullable<PluginEnv["db"]>, botId: string, groupId: number, label: Label): Promise<string> {
  const after = await getLabels(db, botId, label.after);
  const chats = await chatsWith(db, botId, label.key);
  const links = chats.filter((c) => c.topicId !== null).map((c) => topicLink(groupId, c.topicId!));
  return [
    `Label ${label.name}`,
    `after: ${label.after.length > 0 ? `${label.after.map((k) => after.get(k)?.name ?? k).join(", ")} (setting ${label.name} removes them)` : "—"}`,
    `sends: ${label.sends ?? "—"}`,
    `ticker: ${label.ticker ?? "—"}`,
    `Topics (${chats.length}):${chats.length === 0 ? " none" : ""}`,
    ...links.slice(0, maxLinks),
    ...(links.length > maxLinks ? [`… and ${links.length - maxLinks} more`] : []),
  ].join("\n");
}
