/**
 * The outbox side of a relayed message, in-process, on a real SQLite file: queue one row (a
 * transaction, as the step's commit does), read the lane's head as a turn does (1.2 times per
 * message, as in the relay bench), remove the row (a synchronous transaction, as the group commit
 * of deliveries does). Prints CPU µs per message, three rounds.
 *
 *   npx tsx bench/lane-path.ts            N=20000 by default
 *
 * Runs on trees without `Outbox.track` too (then as they wrote: no mirror), for A/B.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { Bot } from "../src/pipeline/bot-env.ts";
import { Outbox } from "../src/pipeline/outbox.ts";
import { transactNowOf } from "../src/store/engine.ts";
import { enqueueIntents, removeIntentsSync } from "../src/store/outbox.ts";
import { make, Store } from "../src/store/store.ts";

const dir = mkdtempSync(join(tmpdir(), "lane-path-"));
const log = { debug() {}, info() {}, warn() {}, error() {}, child: () => log };
const bot = Layer.succeed(Bot, { botId: "b", groupId: -1, view: { id: "b", username: "b", groupId: -1, params: {} }, log } as never);
const layer = Outbox.layer.pipe(Layer.provideMerge(bot), Layer.provideMerge(Layer.scoped(Store, Effect.orDie(make(`sqlite:${join(dir, "s.db")}`)))));
const n = Number(process.env.N ?? 20_000);

const main = Effect.gen(function* () {
  // deno-lint-ignore no-explicit-any
  const outbox: any = yield* Outbox;
  const { db } = yield* Store;
  const transactNow = transactNowOf(db)!;
  const intent = { type: "copyToTopic", fromChatId: 42, messageId: 7, topicId: 99 };
  yield* outbox.pendingChats();
  const tracked = "track" in outbox;
  const one = async (i: number) => {
    const chat = 1000 + (i % 200);
    // deno-lint-ignore no-explicit-any
    if (tracked) await outbox.track((w: any) => db.transaction().execute(async (tx) => void w.added.push(...(await enqueueIntents(tx, "b", chat, [intent], i) as unknown[]))));
    else await db.transaction().execute((tx) => enqueueIntents(tx, "b", chat, [intent], i));
    const rows = await Effect.runPromise(outbox.head(chat, 2)) as { id: number }[];
    if (i % 5 === 0) await Effect.runPromise(outbox.head(chat, 2));
    const ids = rows.map((r) => r.id);
    // deno-lint-ignore no-explicit-any
    if (tracked) outbox.trackNow((w: any) => transactNow(() => (removeIntentsSync(db, ids), w.removed.push(...ids), true)));
    else transactNow(() => (removeIntentsSync(db, ids), true));
  };
  yield* Effect.promise(async () => {
    for (let i = 0; i < 3000; i++) await one(i);
    for (let round = 0; round < 3; round++) {
      const before = process.cpuUsage();
      for (let i = 0; i < n; i++) await one(i);
      const used = process.cpuUsage(before);
      console.log(`${tracked ? "mirror" : "store "}: ${((used.user + used.system) / n).toFixed(1)} µs CPU a message`);
    }
  });
});

Effect.runPromise(Effect.scoped(main).pipe(Effect.provide(layer)) as Effect.Effect<void, unknown>).finally(() => rmSync(dir, { recursive: true, force: true }));
