/**
 * Operators' names for analytics: analytics rows keep an operator's id (names change, ids do
 * not); the name each operator last wrote under is kept here, written in the step's commit only
 * when it differs from what this process last stored for that store (a map lookup per operator
 * message otherwise), and read beside the figures by the page and `/stats`.
 */
import type { Db } from "./schema.ts";

/** An operator's name as seen in a step. */
export interface OperatorName {
  /** The operator's id, as analytics rows name them. */
  readonly actor: string;
  readonly name: string;
}

// Per store handle (tests run many stores in one process), then `bot\nactor` → name.
const stored = new WeakMap<object, Map<string, string>>();
const storedOn = (db: Db) => stored.get(db) ?? stored.set(db, new Map()).get(db)!;

/** The names among `names` this process has not stored yet for `botId` on `db` (last one per operator). */
export function namesToStore(db: Db, botId: string, names: readonly OperatorName[]): OperatorName[] {
  const known = storedOn(db);
  const fresh = new Map<string, OperatorName>();
  for (const n of names) if (known.get(`${botId}\n${n.actor}`) !== n.name) fresh.set(n.actor, n);
  return [...fresh.values()];
}

/** Writes `names` inside the caller's transaction `tx`. */
export async function storeOperatorNames(tx: Db, botId: string, names: readonly OperatorName[], now: number): Promise<void> {
  for (const n of names) {
    await tx
      .insertInto("operator_names")
      .values({ bot_id: botId, operator_id: n.actor, name: n.name, updated_at: now })
      .onConflict((c) => c.columns(["bot_id", "operator_id"]).doUpdateSet({ name: n.name, updated_at: now }))
      .execute();
  }
}

/** Notes that `names` are stored on `db` (after the commit that wrote them). */
export function noteStored(db: Db, botId: string, names: readonly OperatorName[]): void {
  const known = storedOn(db);
  for (const n of names) known.set(`${botId}\n${n.actor}`, n.name);
}

/** The newest name of each of `actors` over `botIds`. */
export async function operatorNames(db: Db, botIds: readonly string[], actors: readonly string[]): Promise<Map<string, string>> {
  if (botIds.length === 0 || actors.length === 0) return new Map();
  const rows = await db
    .selectFrom("operator_names")
    .select(["operator_id", "name", "updated_at"])
    .where("bot_id", "in", botIds)
    .where("operator_id", "in", actors)
    .orderBy("updated_at")
    .execute();
  return new Map(rows.map((r) => [r.operator_id, r.name]));
}
