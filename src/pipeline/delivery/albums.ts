/**
 * Albums: Telegram delivers each item of a media group as its own update, so their copy intents
 * arrive one step at a time. A lane sends a run of consecutive copies of one media group in one
 * `copyMessages` call once the album has stopped growing (or is full).
 */
import { albumOf } from "../../conversation/intents.ts";
import type { OutboxRow } from "../outbox.ts";

/** Telegram's largest album. */
export const maxAlbum = 10;

/**
 * What a lane sends next: the head row alone, or a whole album of consecutive copies; "wait"
 * while the album may still grow (its newest item is younger than `settleMs` at `now`).
 * `rows` are the lane's first rows, at least `maxAlbum + 1` of them when the head is an album item.
 */
export function nextBatch(rows: readonly OutboxRow[], now: number, settleMs: number): OutboxRow[] | "wait" {
  const head = rows[0];
  const group = albumOf(head.intent);
  if (!group) return [head];
  const batch = [head];
  for (const row of rows.slice(1)) {
    if (albumOf(row.intent) !== group || row.intent.type !== head.intent.type) return batch;
    batch.push(row);
  }
  const newest = batch[batch.length - 1].createdAt;
  return batch.length >= maxAlbum || now - newest >= settleMs ? batch : "wait";
}
