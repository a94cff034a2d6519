/**
 * The proxy's webhook pusher on a real SQLite file, posting over real HTTP to a receiver the
 * test controls, with time on the TestClock: a receiver that never answers is given up on after
 * the timeout and retried after a backoff; an idle pusher is woken by `notify`; setting another
 * webhook moves pushing there at once.
 */
import type { Update } from "@grammyjs/types";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import { Effect, Scope, TestClock, TestContext, Exit } from "effect";
import { adjustWhenSleeping } from "../support/test-clock.ts";
import { afterEach, describe, expect, it } from "vitest";
import { nodeHttpClientLayer } from "../../src/platform/http-client.ts";
import { openStore } from "../../src/store/open.ts";
import { mirrorUpdates, proxyUpdatesFrom } from "../../src/store/proxy-updates.ts";
import { makeWebhookPusher } from "../../src/telegram/proxy/pusher.ts";
import { captureLog, settle } from "../support/scripted-telegram.ts";
import { tempDir } from "../support/world.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A webhook receiver: `mode` decides whether a post is answered 200 or left hanging. */
async function receiver() {
  const seen: Array<{ secret: string | undefined; update: Update }> = [];
  const hanging: ServerResponse[] = [];
  const state = { mode: "answer" as "answer" | "hang" };
  const server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ secret: req.headers["x-telegram-bot-api-secret-token"] as string | undefined, update: JSON.parse(body) });
      if (state.mode === "hang") hanging.push(res);
      else res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise((r) => {
    for (const res of hanging) res.destroy();
    server.close(r);
    server.closeAllConnections();
  }));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, seen, state };
}

/** Real time passes (I/O happens) until `done`; the TestClock does not move. */
const until = (done: () => boolean, what: string) =>
  Effect.gen(function* () {
    for (let i = 0; i < 500 && !done(); i++) {
      yield* settle;
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 10)));
    }
    if (!done()) return yield* Effect.die(new Error(`timed out waiting for ${what}`));
  });

const update = (id: number) => ({ update_id: id, message: { message_id: id, date: 0, chat: { id: 7, type: "private", first_name: "A" }, text: `m${id}` } }) as Update;

describe("proxy webhook pusher", () => {
  it("times a silent receiver out, backs off on the Clock, is woken by notify, follows a new webhook", async () => {
    const db = await openStore(`sqlite:${join(tempDir(), "pusher.db")}`);
    cleanups.push(() => db.destroy());
    const first = await receiver();
    const second = await receiver();
    const { log, lines } = captureLog();
    const scope = Effect.runSync(Scope.make());
    cleanups.push(() => Effect.runPromise(Scope.close(scope, Exit.void)));

    await Effect.runPromise(Effect.gen(function* () {
      const pusher = yield* makeWebhookPusher({ db, botId: "b", log, timeout: "10 seconds" }).pipe(Scope.extend(scope));
      yield* Effect.promise(() => mirrorUpdates(db, "b", [update(1)]));
      first.state.mode = "hang";
      yield* pusher.set({ url: first.url, secret: "s1" });
      yield* until(() => first.seen.length === 1, "the first post");

      // No answer: after the timeout (test time) the post counts as failed and is retried later.
      yield* TestClock.adjust("10 seconds");
      yield* until(() => lines.some((l) => l.startsWith("the parallel system's webhook did not accept an update; retrying")), "the retry log line");
      expect((yield* pusher.lastError)?.message).toBe("no answer within 10s");
      expect(first.seen).toHaveLength(1);
      first.state.mode = "answer";
      // The first backoff is 0.25–0.75 s; move the clock once its sleep is registered (the log
      // line comes just before it, so a bare adjust could run first and wake nothing).
      yield* adjustWhenSleeping(1_000);
      yield* until(() => first.seen.length === 2, "the retried post");
      expect(first.seen.map((s) => [s.secret, s.update.update_id])).toEqual([["s1", 1], ["s1", 1]]);
      yield* Effect.promise(async () => {
        for (let i = 0; i < 100 && (await proxyUpdatesFrom(db, "b", 0, 10)).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
      });
      expect(yield* Effect.promise(() => proxyUpdatesFrom(db, "b", 0, 10))).toEqual([]); // confirmed once taken

      // Idle now: new updates are pushed when notify signals them, with no clock moving.
      yield* Effect.promise(() => mirrorUpdates(db, "b", [update(2)]));
      yield* pusher.notify;
      yield* until(() => first.seen.length === 3, "the signalled post");
      expect(first.seen[2].update.update_id).toBe(2);

      // Another webhook: pushing moves there at once.
      yield* pusher.set({ url: second.url });
      yield* Effect.promise(() => mirrorUpdates(db, "b", [update(3)]));
      yield* pusher.notify;
      yield* until(() => second.seen.length === 1, "the post to the new webhook");
      expect(second.seen[0]).toEqual({ secret: undefined, update: update(3) });
      expect(first.seen).toHaveLength(3);
    }).pipe(Effect.provide(nodeHttpClientLayer), Effect.provide(TestContext.TestContext)));
  });
});
