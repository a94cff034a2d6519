/**
 * `templates`: prepared messages operators send without retyping them.
 *
 * - In General (for `extensions_allowed`): reply to a message with `/template save NAME` to save
 *   it — or `/template save NAME COUNT` for a chain of COUNT consecutive messages of General
 *   starting with it (an album counts its items; users' topics' messages in between are passed
 *   over); `/template` lists, `/template NAME` previews here,
 *   `/template del NAME` deletes.
 * - In a user's topic (every operator): `/send NAME` sends the template to the user and shows it
 *   in the topic (the copies are paired, so replies map like an operator's message); like an
 *   operator's message it makes the dialog 🟨 and reopens a closed one.
 *
 * A saved template is a reference (chat id and message ids), sent with `copyMessages`, so any
 * content, formatting and buttons survive; templates may also be declared in the configuration
 * (options.ts). The book of a bot's templates (book.ts) is what other plugins use.
 */
import type { ConversationEvent, HookContext, HookOutput, Intent, PluginEffect, TemplateContent } from "../../src/mod.ts";
import { definePlugin } from "../../src/mod.ts";
import { isAllowed, operatorOf, refusal } from "./allowed.ts";
import { type FoundTemplate, registerTemplateBook, TemplateBook } from "./book.ts";
import { checkName, wordsOf } from "./names.ts";
import { templateOptions } from "./options.ts";
import { applyTemplateWrites, migrations, type TemplateWrite, topicMessagesAmong } from "./store.ts";

/** Most messages one template may hold (Telegram's limit for one `copyMessages` call). */
export const maxChain = 100;

const reservedWords = new Set(["save", "del", "help"]);

/** `/template help`. */
export const templateHelp = [
  "Templates:",
  "/template — list them",
  "/template NAME — preview one here",
  "/template save NAME — in reply to a message: save it as NAME",
  `/template save NAME COUNT — in reply to the first of COUNT consecutive messages (up to ${maxChain}; an album counts its items): save them all`,
  "/template del NAME — delete a saved one",
  "In a user's topic, /send NAME sends a template to the user.",
].join("\n");

const say = (text: string, effects: PluginEffect[] = []): HookOutput => ({ intents: [{ type: "sendToGeneral", text }], effects });
/** A saved template's change, committed with the step (store.ts `applyTemplateWrites`). */
const write = (value: TemplateWrite): PluginEffect => ({ type: "write", plugin: "templates", value });
const sayInTopic = (text: string): HookOutput => ({ intents: [{ type: "sendToTopic", text }] });

const describe = (t: FoundTemplate) =>
  `${t.name} — ${t.origin === "declared" ? "declared in the configuration" : t.size === 1 ? "1 message" : `${t.size} messages`}`;

/** The built-in templates plugin. */
export default definePlugin({
  name: "templates",
  options: templateOptions,
  migrations,
  create: (options, env) => {
    const { bot, db } = env;
    const book = new TemplateBook(bot.id, options.templates, db);
    registerTemplateBook(bot.id, book);

    const list = async (): Promise<HookOutput> => {
      const all = await book.list();
      if (all.length === 0) return say("No templates yet. Reply to a message with /template save NAME to save one; /template help lists the commands.");
      return say([`Templates (${all.length}):`, ...all.map(describe), "", "/template NAME previews one; /template help lists the commands."].join("\n"));
    };

    /**
     * `count` messages of General from `first` on. Ids count up across the whole forum, so the
     * messages of users' topics in between (known from the message map) are passed over; what
     * the map does not know (an operator's note in a topic that was never relayed) cannot be.
     */
    const chainFrom = async (store: NonNullable<typeof db>, first: number, count: number): Promise<number[]> => {
      if (count === 1) return [first];
      const chain: number[] = [];
      // A bounded look: at most ten times the chain's length of ids.
      for (let from = first; chain.length < count && from < first + count * 10; from += count) {
        const ids = Array.from({ length: count }, (_, i) => from + i);
        const elsewhere = await topicMessagesAmong(store, bot.id, ids);
        for (const id of ids) if (!elsewhere.has(id) && chain.length < count) chain.push(id);
      }
      return chain;
    };

    const save = async (ctx: HookContext, words: string[]): Promise<HookOutput> => {
      if (words.length < 1 || words.length > 2) return say("Usage: reply to a message with /template save NAME [COUNT].");
      const checked = checkName(words[0], "template");
      if ("error" in checked) return say(checked.error);
      if (reservedWords.has(checked.key)) return say(`"${checked.name}" is a command word; choose another template name.`);
      if (book.isDeclared(checked.key)) return say(`Template ${checked.name} is declared in the configuration; change it there, or choose another name.`);
      const count = words[1] === undefined ? 1 : /^\d+$/.test(words[1]) ? Number(words[1]) : Number.NaN;
      if (!Number.isInteger(count) || count < 1 || count > maxChain) return say(`COUNT is a number of messages from 1 to ${maxChain}; got "${words[1]}".`);
      const replied = ctx.event.type === "operator.command" ? ctx.event.message.reply_to_message : undefined;
      if (!replied) return say("Reply to the message to save with /template save NAME (to its first message for a chain: /template save NAME COUNT).");
      if (!db) return say("Templates cannot be saved here: there is no store.");
      const messageIds = await chainFrom(db, replied.message_id, count);
      // The row commits with the answer and the update's inbox mark (the step's transaction).
      const template = { name: checked.name, sourceChatId: bot.groupId, messageIds, savedBy: operatorOf(ctx) ?? null, savedAt: ctx.now };
      return say(`Saved template ${checked.name} (${count === 1 ? "1 message" : `${count} messages`}). /template ${checked.name} previews it; /send ${checked.name} in a user's topic sends it.`, [write({ op: "save", template })]);
    };

    const remove = async (words: string[]): Promise<HookOutput> => {
      if (words.length !== 1) return say("Usage: /template del NAME.");
      const checked = checkName(words[0], "template");
      if ("error" in checked) return say(checked.error);
      if (book.isDeclared(checked.key)) return say(`Template ${checked.name} is declared in the configuration; remove it there.`);
      const found = await book.find(checked.key);
      if (found === undefined || db === undefined) return say(`No saved template ${checked.name}. /template lists them.`);
      return say(`Deleted template ${found.name}.`, [write({ op: "del", key: checked.key })]);
    };

    const preview = async (raw: string): Promise<HookOutput> => {
      const checked = checkName(raw, "template");
      if ("error" in checked) return say(checked.error);
      const found = await book.find(checked.key);
      if (!found) return say(`No template ${checked.name}. /template lists them.`);
      return { intents: [{ type: "sendToGeneral", text: `Template ${found.name}:` }, { type: "templateToGeneral", name: found.name, template: found.content }] };
    };

    return {
      write: (tx, writes) => applyTemplateWrites(tx, bot.id, writes),
      onEvent(ctx) {
        // After the machine made the dialog 🟨 (and reopened a closed topic): send it.
        if (ctx.event.type !== "plugin.answered" || ctx.event.plugin !== "templates") return;
        return { intents: templateSend(ctx.event.value as TemplateAnswer) };
      },
      commands: {
        template: {
          help: "/template — templates: list, preview, save (in reply), del",
          where: "general",
          async run(ctx) {
            if (!isAllowed(bot, ctx)) return say(refusal("/template"));
            const words = wordsOf(ctx.args);
            const verb = words[0]?.toLowerCase();
            if (verb === undefined) return list();
            if (verb === "help") return say(templateHelp);
            if (verb === "save") return save(ctx, words.slice(1));
            if (verb === "del") return remove(words.slice(1));
            if (words.length > 1) return say(`Unknown /template command "${words.join(" ")}". /template help lists the commands.`);
            return preview(words[0]);
          },
        },
        send: {
          help: "/send NAME — send a template to this user",
          where: "topic",
          async run(ctx) {
            const words = wordsOf(ctx.args);
            if (words.length === 0 || (words.length === 1 && words[0].toLowerCase() === "help")) {
              const names = (await book.list()).map((t) => t.name);
              return sayInTopic(`/send NAME sends a template to this user. ${names.length > 0 ? `Templates: ${names.join(", ")}.` : "There are no templates yet (/template in General)."}`);
            }
            if (words.length > 1) return sayInTopic("Usage: /send NAME (broadcasts are started in General).");
            const checked = checkName(words[0], "template");
            if ("error" in checked) return sayInTopic(checked.error);
            if (ctx.conversation.state === "banned") return sayInTopic("The user is banned; /unban first.");
            const found = await book.find(checked.key);
            if (!found) return sayInTopic(`No template ${checked.name}. /send lists the templates.`);
            return { events: [templateAnswer(found)] };
          },
        },
      },
    };
  },
});

/** What a `plugin.answered` event of this plugin carries. */
interface TemplateAnswer {
  readonly name: string;
  readonly content: TemplateContent;
  readonly why?: string;
}

/**
 * The event that sends a template to the conversation's user: the machine makes the dialog 🟨
 * (reopening a closed topic) as for an operator's message, then this plugin's reaction sends it.
 */
export function templateAnswer(found: FoundTemplate, why?: string): ConversationEvent {
  const value: TemplateAnswer = { name: found.name, content: found.content, ...(why ? { why } : {}) };
  return { type: "plugin.answered", plugin: "templates", value };
}

/** The intents that send a template to the conversation's user, announced in the topic. */
function templateSend(t: TemplateAnswer): Intent[] {
  return [
    { type: "sendToTopic", text: `📨 Template ${t.name} sent to the user${t.why ? ` (${t.why})` : ""}:` },
    { type: "templateToUser", name: t.name, template: t.content },
  ];
}
