/**
 * `export`: Hotline's `/export [label NAME]` in General (for `extensions_allowed`): a CSV document
 * of the bot's users — id, name (an alias under `hide_info`), username, language, labels, first
 * contact, last message, dialog status and topic link — all of them, or those with a label.
 *
 * What `hide_info` hides stays hidden (the rule of plugins/hide-info/shown.ts, as in titles and
 * the info card). Users are read from the store a page at a time (rows.ts); the file is posted
 * through the outbox as a `documentToGeneral` intent (an upload with `sendDocument`).
 *
 * The plugin also keeps each conversation's last message time in its data: the store has no
 * such column, and this is the one place that needs it.
 */
import type { HookOutput, PluginEnv } from "../../src/mod.ts";
import { definePlugin, displayName } from "../../src/mod.ts";
import { hiddenNameOf, idShown, usernameShown } from "../hide-info/shown.ts";
import { topicLink } from "../labels/general.ts";
import { getLabel, getLabels } from "../labels/store.ts";
import { isAllowed, refusal } from "../templates/allowed.ts";
import { checkName, wordsOf } from "../templates/names.ts";
import { bom, csvRecord } from "./csv.ts";
import { type ExportedUser, exportedUsers } from "./rows.ts";

const plugin = "export";

/** The file's columns, in order. */
export const columns = ["id", "name", "username", "language", "labels", "first_contact", "last_message", "status", "topic_link"] as const;

/** `/export help`, and the answer to wrong arguments. */
export const exportHelp = "/export — a CSV file of all users; /export label NAME — only those with label NAME.";

const say = (text: string): HookOutput => ({ intents: [{ type: "sendToGeneral", text }] });

/** "2026-12-01T18:20:00Z": UTC, to the second. */
const time = (ms: number | undefined) => (ms === undefined ? "" : `${new Date(ms).toISOString().slice(0, 19)}Z`);

/** The last message time kept in a conversation's plugin data. */
const lastOf = (data: Record<string, unknown>): number | undefined => {
  const value = (data[plugin] as { lastMessageAt?: unknown } | undefined)?.lastMessageAt;
  return typeof value === "number" ? value : undefined;
};

/** The built-in export plugin. */
export default definePlugin({
  name: plugin,
  create: (_options, env) => {
    const { bot } = env;
    return {
      onEvent(ctx) {
        const type = ctx.event.type;
        if (type !== "user.message" && type !== "operator.message") return;
        return { effects: [{ type: "setData", plugin, value: { lastMessageAt: ctx.now } }] };
      },
      commands: {
        export: {
          help: "/export — a CSV file of users (/export label NAME: those with a label)",
          where: "general",
          // A large store takes longer than the 2 s every other hook gets (docs/export-and-new.md).
          timeLimitMs: 60_000,
          async run(ctx) {
            if (!isAllowed(bot, ctx)) return say(refusal("/export"));
            const words = wordsOf(ctx.args);
            if (words.length === 1 && words[0].toLowerCase() === "help") return say(exportHelp);
            if (words.length > 0 && (words[0].toLowerCase() !== "label" || words.length !== 2)) return say(`Usage: ${exportHelp}`);
            return exportUsers(env, words[1], ctx.now);
          },
        },
      },
    };
  },
});

/** Builds the CSV of all users, or of those with label `name`, and posts it in General. */
async function exportUsers(env: PluginEnv, name: string | undefined, now: number): Promise<HookOutput> {
  const db = env.db;
  if (!db) return say("Exports need a store.");
  const { bot } = env;
  let label: { key: string; name: string } | undefined;
  if (name !== undefined) {
    const checked = checkName(name, "label");
    if ("error" in checked) return say(checked.error);
    label = await getLabel(db, bot.id, checked.key);
    if (!label) return say(`No label ${checked.name}. /mark lists the labels.`);
  }
  const names = new Map<string, string>();
  const chunks: string[] = [bom + csvRecord(columns)];
  let count = 0;
  for await (const page of exportedUsers(db, bot.id, label?.key, lastOf)) {
    const missing = [...new Set(page.flatMap((u) => u.labels))].filter((k) => !names.has(k));
    for (const [key, l] of await getLabels(db, bot.id, missing)) names.set(key, l.name);
    // One string per page: the pages' strings are joined once at the end.
    chunks.push(page.map((u) => csvRecord(fieldsOf(env, u, names))).join(""));
    count += page.length;
  }
  const whose = label ? `with label ${label.name}` : "";
  if (count === 0) return say(label ? `No users with label ${label.name}.` : "No users yet.");
  const day = new Date(now).toISOString().slice(0, 10);
  return {
    intents: [{
      type: "documentToGeneral",
      fileName: `users-${label ? `${label.name}-` : ""}${day}.csv`,
      contentType: "text/csv; charset=utf-8",
      content: chunks.join(""),
      caption: `${count === 1 ? "1 user" : `${count} users`}${whose ? ` ${whose}` : ""}.`,
    }],
  };
}

/** One user's fields, minus what `hide_info` hides. */
function fieldsOf(env: PluginEnv, u: ExportedUser, names: ReadonlyMap<string, string>): (string | number)[] {
  const hidden = env.bot.params.hide_info;
  const user = u.user;
  return [
    idShown(hidden) ? user.id : "",
    hiddenNameOf(env.bot.id, hidden, user) ?? displayName(user),
    usernameShown(hidden, user) && user.username ? `@${user.username}` : "",
    user.languageCode ?? "",
    u.labels.map((k) => names.get(k) ?? k).join(" "),
    time(u.firstContactAt),
    time(u.lastMessageAt),
    u.status ?? u.state,
    u.topicId === null ? "" : topicLink(env.bot.groupId, u.topicId),
  ];
}
