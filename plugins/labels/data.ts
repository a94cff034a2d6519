/**
 * What a conversation keeps about its labels in its own plugin data (`setData`): the keys, in
 * the order they were set, and the ticker they show. The tables are the truth for queries by
 * label; this copy is what titles are built from, synchronously, inside a step.
 */
import type { ConversationView } from "../../src/mod.ts";
import type { Label } from "./store.ts";

/** The plugin's name, under which the data is kept. */
export const plugin = "labels";

/** A conversation's label data. */
export interface LabelData {
  readonly keys: readonly string[];
  /** The tickers of its labels, joined; absent when none has one. */
  readonly ticker?: string;
}

/** The label data of a conversation (none yet: no labels). */
export function dataOf(data: Readonly<Record<string, unknown>>): LabelData {
  const d = data[plugin] as LabelData | undefined;
  return d && Array.isArray(d.keys) ? d : { keys: [] };
}

/** The label data for `keys`, with the tickers of the labels found. */
export function labelData(keys: readonly string[], found: ReadonlyMap<string, Label>): LabelData {
  const ticker = keys.map((k) => found.get(k)?.ticker).filter((t): t is string => !!t).join(" ");
  return ticker ? { keys: [...keys], ticker } : { keys: [...keys] };
}

/** The conversation's plugin data with `labels` in place of its label data (for `titleOf`). */
export const withLabels = (conversation: ConversationView, labels: LabelData): Record<string, unknown> => ({ ...conversation.data, [plugin]: labels });
