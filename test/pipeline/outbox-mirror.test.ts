/**
 * The outbox's lanes in memory (src/pipeline/outbox-mirror.ts): what `Outbox.head` answers is
 * always what the store holds, whatever the writes, failures and reads in between — on a real
 * SQLite file and on PostgreSQL. The mirror's own rules (when a read may be installed, what a
 * failed write does) are checked directly, deterministically.
 */
import { Effect, Layer, TestContext } from "effect";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import type { Intent } from "../../src/conversation/intents.ts";
import { Bot } from "../../src/pipeline/bot-env.ts";
import { OutboxMirror, OutboxWrite } from "../../src/pipeline/outbox-mirror.ts";
import { Outbox } from "../../src/pipeline/outbox.ts";
import { dropPendingOfType, enqueueIntents, laneHead, type OutboxRow, removeIntents } from "../../src/store/outbox.ts";
import { Store } from "../../src/store/store.ts";
import { capturingLogger } from "../support/capture-log.ts";
import { storeLayerOn, testEngines } from "../store/with-store.ts";

const groupId = -1001000000001;
const botId = "acme";
const send = (text: string): Intent => ({ type: "sendToUser", text }) as Intent;
const title = (text: string): Intent => ({ type: "editTopic", name: text }) as unknown as Intent;

const outboxOn = (engine: (typeof testEngines)[number], mirrorRows?: number) => {
  const { log } = capturingLogger();
  const bot = Layer.succeed(Bot, { botId, groupId, view: { id: botId, username: "acme_bot", groupId, params: {} as never }, log });
  return Outbox.layerWith(mirrorRows === undefined ? {} : { mirrorRows }).pipe(Layer.provideMerge(bot), Layer.provideMerge(storeLayerOn(engine)));
};

const run = <A, E>(engine: (typeof testEngines)[number], body: Effect.Effect<A, E, Outbox | Store | Bot>, mirrorRows?: number) =>
  Effect.runPromise(body.pipe(Effect.provide(outboxOn(engine, mirrorRows)), Effect.provide(TestContext.TestContext)) as Effect.Effect<A, E>);

/** A tiny deterministic random source: the same sequence of operations on every run. */
const random = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};

describe.each(testEngines)("Outbox lanes in memory (%s)", (engine) => {
  /** Writes through the service, as the pipeline does; `fail` rolls the transaction back at its end. */
  const writes = Effect.gen(function* () {
    const outbox = yield* Outbox;
    const { db } = yield* Store;
    const tracked = (f: (tx: typeof db, write: OutboxWrite<Intent>) => Promise<void>, fail = false) =>
      Effect.promise(() =>
        outbox.track((write) =>
          db.transaction().execute(async (tx) => {
            await f(tx, write);
            if (fail) throw new Error("rolled back on purpose");
          })
        ).then(() => "committed", () => "failed")
      );
    const enqueue = (chatId: number, intents: Intent[], fail = false) =>
      tracked(async (tx, write) => void write.added.push(...(await enqueueIntents(tx, botId, chatId, intents, 1_000))), fail);
    const remove = (ids: number[], fail = false) =>
      tracked(async (tx, write) => {
        await removeIntents(tx, ids);
        write.removed.push(...ids);
      }, fail);
    const dropTitles = (chatId: number, fail = false) =>
      tracked(async (tx, write) => void write.removed.push(...(await dropPendingOfType(tx, botId, chatId, "editTopic"))), fail);
    const stored = (chatId: number, limit: number) => Effect.promise(() => laneHead<Intent>(db, botId, chatId, limit));
    /** What the service answers equals what the store holds, for `chats`. */
    const agrees = (chats: number[], limit = 50) =>
      Effect.gen(function* () {
        for (const chatId of chats) {
          const mirrored = yield* outbox.head(chatId, limit);
          expect(mirrored, `lane ${chatId}`).toEqual(yield* stored(chatId, limit));
        }
      });
    return { outbox, db, enqueue, remove, dropTitles, stored, agrees };
  });

  it("answers from memory what the store holds, through inserts, removals, postponements, superseded titles and rolled-back writes", async () => {
    await run(engine, Effect.gen(function* () {
      const { outbox, enqueue, remove, dropTitles, agrees } = yield* writes;
      const chats = [1, 2, 3];
      yield* enqueue(1, [send("before start"), title("t0")]);
      // At start the whole (small) outbox is read: every lane is known from here on.
      expect(yield* outbox.pendingChats()).toEqual([1]);
      expect(outbox.mirrored).toBe(2);
      const next = random(engine === "sqlite" ? 7 : 11);
      let failed = 0;
      for (let n = 0; n < 120; n++) {
        const chatId = chats[Math.floor(next() * chats.length)];
        const fail = next() < 0.15;
        const op = next();
        const head = yield* outbox.head(chatId, 3);
        let result: string;
        if (op < 0.4) result = yield* enqueue(chatId, next() < 0.3 ? [send(`m${n}`), title(`t${n}`)] : [send(`m${n}`)], fail);
        else if (op < 0.65) result = yield* remove(head.slice(0, 1 + Math.floor(next() * 2)).map((r) => r.id), fail);
        else if (op < 0.8 && head.length > 0) {
          result = "committed";
          yield* outbox.defer(head.slice(0, 1), 5_000 + n);
        } else result = yield* dropTitles(chatId, fail);
        if (result === "failed") failed += 1;
        yield* agrees(chats);
      }
      expect(failed).toBeGreaterThan(0);
    }));
  });

  it("serves a known lane without reading the store (a write behind its back is not seen), and reads it again after a failed write", async () => {
    await run(engine, Effect.gen(function* () {
      const { outbox, db, enqueue, stored, agrees } = yield* writes;
      yield* outbox.pendingChats();
      yield* enqueue(5, [send("a")]);
      const [row] = yield* outbox.head(5, 2);
      // Nothing but the owner writes the outbox; this one does, to show where the answer comes from.
      yield* Effect.promise(() => sql`delete from outbox where id = ${row.id}`.execute(db));
      expect((yield* outbox.head(5, 2)).map((r) => r.id)).toEqual([row.id]);
      // A write that fails (here: rolled back) leaves the store as it was, but the mirror is no
      // longer trusted: the next answer comes from the store, and none of the failed rows shows.
      expect(yield* enqueue(5, [send("never")], true)).toBe("failed");
      expect(outbox.mirrored).toBe(0);
      expect(yield* stored(5, 2)).toEqual([]);
      yield* agrees([5]);
    }));
  });

  it("after forgetting, learns lanes read complete and follows them; a lane read incomplete stays in the store", async () => {
    await run(engine, Effect.gen(function* () {
      const { outbox, enqueue, agrees } = yield* writes;
      yield* enqueue(1, [send("a"), send("b"), send("c")]);
      yield* enqueue(2, [send("x")]);
      // Not started (no `pendingChats`): only what a read saw complete is known.
      expect((yield* outbox.head(1, 2)).length).toBe(2);
      expect(outbox.mirrored).toBe(0);
      expect((yield* outbox.head(2, 2)).length).toBe(1);
      expect(outbox.mirrored).toBe(1);
      yield* enqueue(2, [send("y")]);
      yield* enqueue(1, [send("d")]);
      expect(outbox.mirrored).toBe(2);
      yield* agrees([1, 2]);
    }));
  });

  it("holds at most its bound in memory, and answers from the store beyond it", async () => {
    await run(engine, Effect.gen(function* () {
      const { outbox, enqueue, agrees } = yield* writes;
      yield* outbox.pendingChats();
      yield* enqueue(1, [send("a"), send("b"), send("c")]);
      expect(outbox.mirrored).toBe(3);
      yield* enqueue(2, [send("x"), send("y")]);
      expect(outbox.mirrored).toBe(0);
      yield* agrees([1, 2, 3]);
      // Small again: after a while (lanes read from the store) the whole outbox is read again.
      const { remove } = yield* writes;
      yield* remove((yield* outbox.head(1, 3)).map((r) => r.id));
      for (let n = 0; n < 300 && outbox.mirrored === 0; n++) yield* outbox.head(3, 2);
      expect(outbox.mirrored).toBe(2);
      yield* enqueue(3, [send("z")]);
      expect(outbox.mirrored).toBe(3);
      yield* agrees([1, 2, 3]);
    }), 4);
  });

  it("starts from the store: rows written before it (by an earlier owner) are served, with their pending chats", async () => {
    await run(engine, Effect.gen(function* () {
      const { db, outbox, agrees } = yield* writes;
      yield* Effect.promise(() => enqueueIntents(db, botId, 9, [send("left over"), send("too")], 1));
      expect(yield* outbox.pendingChats()).toEqual([9]);
      yield* agrees([9, 10]);
    }));
  });
});

describe("OutboxMirror", () => {
  const row = (id: number, chatId = 1): OutboxRow<string> => ({ id, chatId, intent: `i${id}`, attempts: 0, notBefore: 0, createdAt: 0 });
  const written = (f: (w: OutboxWrite<string>) => void) => {
    const w = new OutboxWrite<string>();
    f(w);
    return w;
  };

  it("installs a read only if no write overlapped it", () => {
    const mirror = new OutboxMirror<string>();
    // A write open when the read starts: nothing read now may be installed.
    mirror.begin();
    expect(mirror.readStamp()).toBeUndefined();
    expect(mirror.install(1, [row(1)], mirror.readStamp())).toBe(false);
    mirror.end(written((w) => w.added.push(row(2))));
    // A read that began before a write ended (it may have missed the write's rows).
    const stamp = mirror.readStamp();
    mirror.begin();
    mirror.end(written((w) => w.added.push(row(3))));
    expect(mirror.install(1, [row(1), row(2)], stamp)).toBe(false);
    expect(mirror.installAll([row(1), row(2)], stamp)).toBe(false);
    // A write begun during the read and still open at its end.
    const again = mirror.readStamp();
    mirror.begin();
    expect(mirror.install(1, [row(1), row(2), row(3)], again)).toBe(false);
    mirror.end(written(() => {}));
    expect(mirror.lane(1)).toBeUndefined();
    // No overlap: installed, and followed.
    expect(mirror.install(1, [row(1), row(2), row(3)], mirror.readStamp())).toBe(true);
    mirror.begin();
    mirror.end(written((w) => {
      w.added.push(row(4));
      w.removed.push(1);
    }));
    expect(mirror.lane(1)?.map((r) => r.id)).toEqual([2, 3, 4]);
  });

  it("all mirrors of the process share one bound: past it, lanes are read from the store; a stopped bot's rows leave it", () => {
    const before = OutboxMirror.processMaxRows;
    // Three rows more than other tests' mirrors still hold.
    OutboxMirror.processMaxRows = OutboxMirror.heldInProcess + 3;
    try {
      const a = new OutboxMirror<string>();
      const b = new OutboxMirror<string>();
      expect(a.installAll([row(1), row(2)], a.readStamp())).toBe(true);
      expect(b.install(1, [row(11), row(12)], b.readStamp())).toBe(false);
      expect(b.install(1, [row(11)], b.readStamp())).toBe(true);
      // One more row anywhere passes the bound: that mirror forgets itself.
      b.begin();
      b.end(written((w) => w.added.push(row(13))));
      expect(b.lane(1)).toBeUndefined();
      a.reset();
      expect(b.install(1, [row(11), row(12), row(13)], b.readStamp())).toBe(true);
      b.reset();
    } finally {
      OutboxMirror.processMaxRows = before;
    }
  });

  it("a failed write forgets everything; rows it recorded never show", () => {
    const mirror = new OutboxMirror<string>();
    expect(mirror.installAll([row(1), row(2, 2)], mirror.readStamp())).toBe(true);
    expect(mirror.lane(3)).toEqual([]); // known empty
    mirror.begin();
    mirror.end(undefined);
    expect(mirror.lane(1)).toBeUndefined();
    expect(mirror.lane(3)).toBeUndefined();
    expect(mirror.size).toBe(0);
  });

  it("puts a row of a transaction that committed late at its place; ignores lanes it does not know", () => {
    const mirror = new OutboxMirror<string>();
    expect(mirror.install(1, [row(1)], mirror.readStamp())).toBe(true);
    mirror.begin();
    mirror.end(written((w) => w.added.push(row(5), row(3), row(7, 2))));
    expect(mirror.lane(1)?.map((r) => r.id)).toEqual([1, 3, 5]);
    expect(mirror.lane(2)).toBeUndefined();
    mirror.begin();
    mirror.end(written((w) => w.deferred.push({ id: 3, notBefore: 9, attempts: 1 })));
    expect(mirror.lane(1)?.[1]).toMatchObject({ id: 3, notBefore: 9, attempts: 1 });
    mirror.begin();
    mirror.end(written((w) => w.removed.push(1, 3, 5, 7)));
    expect(mirror.lane(1)).toBeUndefined(); // empty and not all known: not kept
    expect(mirror.size).toBe(0);
  });
});
