/**
 * `switchboard inbox`: what waits in the store, per bot (pending updates, processed ones still
 * kept, dead letters), and with `--dead` the dead letters themselves — updates set aside because
 * they could not be processed — newest first, readable in a terminal.
 */
import { countDeadLetters, listDeadLetters, type StoredDeadLetter } from "../store/dead-letters.ts";
import { inboxCounts } from "../store/inbox.ts";
import type { Db } from "../store/schema.ts";

/** What to print. */
export interface InboxReportOptions {
  /** The config's bots, listed even when the store holds nothing of theirs yet. */
  readonly bots: readonly string[];
  /** The storage URL, for the heading. */
  readonly storage: string;
  /** List the dead letters instead of the counts. */
  readonly dead: boolean;
  /** At most this many dead letters (the newest). */
  readonly limit: number;
}

/** How much of a dead letter's raw text one listing shows. */
const rawPreviewChars = 300;

/** The report as text (ends with a newline). */
export async function inboxReport(db: Db, o: InboxReportOptions): Promise<string> {
  const dead = await countDeadLetters(db);
  const total = [...dead.values()].reduce((a, b) => a + b, 0);
  if (o.dead) {
    const letters = await listDeadLetters(db, { limit: o.limit });
    const lines = [`Dead letters in ${o.storage}: ${total}${total > letters.length ? ` (the newest ${letters.length} below)` : ""}`];
    for (const letter of letters) lines.push("", ...describe(letter));
    if (total > 0) lines.push("", `${total} dead letter${total === 1 ? "" : "s"}: ${[...dead].map(([bot, n]) => `${bot} ${n}`).join(", ")}`);
    return lines.join("\n") + "\n";
  }
  const counts = await inboxCounts(db);
  const bots = [...new Set([...o.bots, ...counts.keys(), ...dead.keys()])];
  const lines = [`Inbox of ${o.storage}:`];
  for (const bot of bots) {
    const c = counts.get(bot) ?? { pending: 0, processed: 0 };
    const d = dead.get(bot) ?? 0;
    lines.push(`  ${bot}: ${c.pending} pending, ${c.processed} processed (kept 24 h against re-deliveries), ${d} dead letter${d === 1 ? "" : "s"}`);
  }
  if (total > 0) lines.push(`switchboard inbox --dead lists the dead letters.`);
  return lines.join("\n") + "\n";
}

function describe(letter: StoredDeadLetter): string[] {
  const when = new Date(letter.receivedAt).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  const raw = letter.raw.replace(/\s+/g, " ");
  const preview = raw.length > rawPreviewChars ? `${raw.slice(0, rawPreviewChars)}… (${raw.length} characters)` : raw;
  return [
    `#${letter.id}  bot ${letter.botId}  update ${letter.updateId ?? "(no usable id)"}  from ${letter.source}  at ${when}`,
    `  reason: ${letter.reason}`,
    `  raw:    ${preview}`,
  ];
}
