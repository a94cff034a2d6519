/**
 * Albums: Telegram delivers each item of a media group as its own update, so their copy intents
 * arrive one step at a time. A lane sends the copies of one media group in one `copyMessages`
 * call once the album has stopped growing (or is full).
 *
 * An album is one message to the people reading it, so it travels as one, at the place of its
 * first item. The step of that first item often queues more behind it — on first contact the
 * welcome, the info card, the start parameter; on reopening the welcome; on an operator's first
 * answer the 🟨 title — and the later items' steps queue their copies after those. The lane
 * therefore gathers the album's items past such rows, which are sent after the album in their
 * own order. It never passes what could change where the copies land or what they may overtake:
 * topic creation, closing or reopening, and other copies (a later message must not overtake).
 */
import { albumOf, type Intent } from "../../conversation/intents.ts";
import type { OutboxRow } from "../outbox.ts";

/** Telegram's largest album. */
export const maxAlbum = 10;

/** How many rows of a lane to read when its head is an album item: room for rows between the items. */
export const albumWindow = maxAlbum * 4;

/** Rows an album's later items may be sent ahead of (see the module comment). */
const passable: ReadonlySet<Intent["type"]> = new Set([
  "editTopic", "sendToTopic", "sendToUser", "sendToOperator", "sendToGeneral", "editInTopic", "editInUser", "reactInTopic", "reactInUser",
] satisfies Intent["type"][]);

/**
 * What a lane sends next: the head row alone, or the head and the further items of its album
 * (gathered past rows that may wait for it); "wait" while the album may still grow (its newest
 * item is younger than `settleMs` at `now`). `rows` are the lane's first rows, up to
 * `albumWindow` of them when the head is an album item.
 */
export function nextBatch(rows: readonly OutboxRow[], now: number, settleMs: number): OutboxRow[] | "wait" {
  const head = rows[0];
  const group = albumOf(head.intent);
  if (!group) return [head];
  const batch = [head];
  let ended = false;
  for (const row of rows.slice(1)) {
    if (batch.length >= maxAlbum) break;
    if (albumOf(row.intent) === group && row.intent.type === head.intent.type) batch.push(row);
    else if (!passable.has(row.intent.type)) {
      ended = true; // what follows the album is queued: it has stopped growing
      break;
    }
  }
  const newest = batch[batch.length - 1].createdAt;
  return ended || batch.length >= maxAlbum || now - newest >= settleMs ? batch : "wait";
}
