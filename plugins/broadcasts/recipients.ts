/**
 * Who a broadcast goes to: the users of the bot's conversations (`all`), those with labels
 * (the labels plugin's `labels_assignment`), a list of ids, or the sender (`test`) — less
 * `except label …`, banned users and users known to have blocked the bot.
 */
import type { Kysely } from "kysely";
import { chatsWith, getLabels } from "../labels/store.ts";
import type { Target } from "./parse.ts";
import { blockedChats } from "./store.ts";

/** The resolved recipients, or the line saying why there are none. */
export type Resolved =
  | { ok: true; chatIds: number[]; skippedBlocked: number; skippedBanned: number }
  | { ok: false; message: string };

/** What resolving needs besides the store. */
export interface ResolveInput {
  readonly botId: string;
  readonly target: Target;
  readonly except: readonly string[];
  /** The operator who asked (`test`). */
  readonly sender: number | undefined;
  /** Ids read from a file (`file`). */
  readonly fileIds?: readonly number[];
}

/** Checks that every label exists; the line naming the first that does not. */
async function missingLabel(db: Kysely<any>, botId: string, keys: readonly string[]): Promise<string | undefined> {
  const found = await getLabels(db, botId, keys);
  const missing = keys.find((k) => !found.has(k));
  return missing === undefined ? undefined : `No label ${missing}. /mark in General lists the labels.`;
}

/** Resolves the recipients now (at confirmation they are resolved again). */
export async function resolveRecipients(db: Kysely<any>, input: ResolveInput): Promise<Resolved> {
  const { botId, target } = input;
  const labelKeys = [...(target.kind === "label" ? target.labels : []), ...input.except];
  const missing = await missingLabel(db, botId, labelKeys);
  if (missing) return { ok: false, message: missing };

  let chosen: number[];
  if (target.kind === "test") {
    if (input.sender === undefined) return { ok: false, message: "test sends to you: send the command as yourself, not as the group." };
    // The sender, whatever: a test goes to them even if they never wrote to the bot.
    return { ok: true, chatIds: [input.sender], skippedBlocked: 0, skippedBanned: 0 };
  } else if (target.kind === "all") {
    const rows = await db.selectFrom("conversations").select("chat_id").where("bot_id", "=", botId).where("chat_id", ">", 0).orderBy("created_at").orderBy("chat_id").execute();
    chosen = rows.map((r) => Number(r.chat_id));
  } else if (target.kind === "label") {
    const seen = new Set<number>();
    chosen = [];
    for (const key of target.labels) {
      for (const { chatId } of await chatsWith(db, botId, key)) {
        if (chatId > 0 && !seen.has(chatId)) {
          seen.add(chatId);
          chosen.push(chatId);
        }
      }
    }
  } else if (target.kind === "list") {
    chosen = [...target.ids];
  } else {
    chosen = [...new Set(input.fileIds ?? [])];
  }

  const excluded = new Set<number>();
  for (const key of input.except) for (const { chatId } of await chatsWith(db, botId, key)) excluded.add(chatId);
  chosen = chosen.filter((id) => !excluded.has(id));

  const banned = new Set<number>();
  for (let i = 0; i < chosen.length; i += 500) {
    const rows = await db.selectFrom("conversations").select("chat_id").where("bot_id", "=", botId).where("state", "=", "banned").where("chat_id", "in", chosen.slice(i, i + 500)).execute();
    for (const r of rows) banned.add(Number(r.chat_id));
  }
  const blocked = await blockedChats(db, botId);
  const skippedBanned = chosen.filter((id) => banned.has(id)).length;
  const skippedBlocked = chosen.filter((id) => !banned.has(id) && blocked.has(id)).length;
  return { ok: true, chatIds: chosen.filter((id) => !banned.has(id) && !blocked.has(id)), skippedBlocked, skippedBanned };
}

/** Reads user ids from a file: one per line, or a CSV with an `id` column. */
export function idsFromFile(text: string): { ids: number[]; bad: number } | { error: string } {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (lines.length === 0) return { error: "The file is empty." };
  const header = lines[0].split(/[,;\t]/).map((h) => h.trim().replace(/^"|"$/g, "").toLowerCase());
  const column = header.indexOf("id");
  const rows = column >= 0 ? lines.slice(1).map((l) => l.split(/[,;\t]/)[column]?.trim().replace(/^"|"$/g, "") ?? "") : lines;
  if (column < 0 && header.length > 1) return { error: "A CSV file needs an id column." };
  const ids: number[] = [];
  let bad = 0;
  for (const value of rows) {
    if (/^\d{1,15}$/.test(value)) ids.push(Number(value));
    else bad += 1;
  }
  return { ids, bad };
}
