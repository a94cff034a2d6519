/**
 * The webhook receiver over real HTTP on whichever runtime runs the suite (node:http on Node,
 * Deno.serve on Deno): 200 only once the commit is done, even when the server is being stopped;
 * the secret, the path and the body are checked; a failed commit answers 500 so Telegram retries.
 */
import type { Update } from "@grammyjs/types";
import { Deferred, Effect, Exit, Scope } from "effect";
import { describe, expect, it } from "vitest";
import { webhookReceiver } from "../../src/telegram/webhook.ts";
import { Unreadable } from "../../src/telegram/decode-update.ts";
import { exchange, rawPost } from "../support/raw-http.ts";
import { captureLog } from "../support/scripted-telegram.ts";

const update = (id: number) => ({ update_id: id, message: { message_id: id, date: 0, chat: { id: 7, type: "private", first_name: "A" }, text: "hi" } }) as Update;

describe("webhook receiver", () => {
  it("answers 200 only after the commit, finishes a commit in progress when stopped, refuses what is not Telegram's", async () => {
    const scope = Effect.runSync(Scope.make());
    const gate = Effect.runSync(Deferred.make<void>());
    const committed: number[] = [];
    let failNext = false;
    const { log, lines } = captureLog();
    const { port } = await Effect.runPromise(Scope.extend(webhookReceiver({
      host: "127.0.0.1", port: 0, path: "/hook", secret: "s3cret", log,
      accept: (updates) =>
        failNext
          ? Effect.fail(new Error("disk full"))
          : Deferred.await(gate).pipe(Effect.zipRight(Effect.sync(() => committed.push(...updates.map((u) => (u as Update).update_id))))),
    }), scope));
    const post = (body: string, headers: Record<string, string> = { "x-telegram-bot-api-secret-token": "s3cret" }, path = "/hook") =>
      fetch(`http://127.0.0.1:${port}${path}`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });

    expect((await post(JSON.stringify(update(1)), {})).status).toBe(401);
    expect((await post(JSON.stringify(update(1)), { "x-telegram-bot-api-secret-token": "nope" })).status).toBe(401);
    expect(lines.filter((l) => l.startsWith("webhook request with a wrong or missing secret token refused"))).toHaveLength(2);
    expect((await post(JSON.stringify(update(1)), undefined, "/other")).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/hook`)).status).toBe(404);
    expect((await post("{not json")).status).toBe(400);
    expect((await post("x".repeat(11 * 1024 * 1024))).status).toBe(413);
    failNext = true;
    expect((await post(JSON.stringify(update(2)))).status).toBe(500);
    expect(lines.some((l) => l.startsWith("could not save a webhook update; Telegram will retry"))).toBe(true);
    failNext = false;

    // The commit takes its time: no answer before it is done, even while the server stops.
    let answered: number | undefined;
    const pending = post(JSON.stringify(update(3))).then((r) => (answered = r.status));
    await new Promise((r) => setTimeout(r, 100));
    expect(answered).toBeUndefined();
    let stopped = false;
    const stopping = Effect.runPromise(Scope.close(scope, Exit.void)).then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(stopped).toBe(false);
    await Effect.runPromise(Deferred.succeed(gate, undefined));
    await stopping;
    await pending;
    expect(answered).toBe(200);
    expect(committed).toEqual([3]);
    await expect(post(JSON.stringify(update(4)))).rejects.toThrow(); // no longer listening
  });

  it("hands well-formed JSON over whatever it holds, with its text, and answers 200: the inbox sets aside what does not decode", async () => {
    const scope = Effect.runSync(Scope.make());
    const handed: { updates: readonly unknown[]; texts: readonly string[] }[] = [];
    const { log } = captureLog();
    const { port } = await Effect.runPromise(Scope.extend(webhookReceiver({
      host: "127.0.0.1", port: 0, path: "/hook", log,
      accept: (updates, texts) => Effect.sync(() => handed.push({ updates, texts })),
    }), scope));
    const post = (body: string) => fetch(`http://127.0.0.1:${port}/hook`, { method: "POST", body, headers: { "content-type": "application/json" } });
    // Telegram would send each of these again and again on anything but a 2xx.
    for (const body of ['{"message":{}}', '{"update_id":null}', "{}", '{"update_id":5,"message":{"chat":{"id":true}}}', "[1,2]", "null"]) {
      expect((await post(body)).status).toBe(200);
    }
    expect(handed.map((h) => h.texts[0])).toEqual(['{"message":{}}', '{"update_id":null}', "{}", '{"update_id":5,"message":{"chat":{"id":true}}}', "[1,2]", "null"]);
    expect(handed[3].updates).toEqual([{ update_id: 5, message: { chat: { id: true } } }]);
    expect((await post("{not json")).status).toBe(400);
    await Effect.runPromise(Scope.close(scope, Exit.void));
  });
});

describe("webhook receiver limits", () => {
  // Telegram sends a request again until it is answered 2xx: what can never be processed must get
  // a 4xx (never a 5xx), and the client must see that answer (never a reset connection).
  it("sets aside a body nested 5,000 deep unparsed (200, a dead letter) and refuses one over 10 MiB with 413 as JSON; the connection goes on", async () => {
    const scope = Effect.runSync(Scope.make());
    const committed: number[] = [];
    const { log } = captureLog();
    const { port } = await Effect.runPromise(Scope.extend(webhookReceiver({
      host: "127.0.0.1", port: 0, path: "/hook", log,
      // Storing an update serializes it, as the inbox does; a body too deep to parse comes as Unreadable.
      accept: (updates) => Effect.sync(() => committed.push(...updates.map((u) => (u instanceof Unreadable ? u.reason : JSON.parse(JSON.stringify(u)).update_id)))),
    }), scope));
    try {
      const deep = `{"update_id":1,"message":${"[".repeat(5000)}${"]".repeat(5000)}}`;
      const huge = new Uint8Array(11 * 1024 * 1024).fill(0x20);
      const ok = rawPost("/hook", JSON.stringify(update(2)));
      for (const chunked of [false, true]) {
        const { answers, ended } = await exchange(port, [rawPost("/hook", deep, { chunked }), rawPost("/hook", huge, { chunked }), ok], 3);
        expect(answers.slice(0, 2).map((a) => a.status)).toEqual([200, 413]);
        expect(JSON.parse(answers[1].body)).toMatchObject({ ok: false, error_code: 413 });
        if (answers[1].headers.connection?.toLowerCase() === "close") {
          // Closing after a refused upload is fine when announced (Deno.serve does, for an unread
          // body with a length); the next update then comes on a new connection.
          expect({ chunked, ended, answers: answers.length }).toEqual({ chunked, ended: "closed", answers: 2 });
          expect((await exchange(port, [ok], 1)).answers.map((a) => a.status)).toEqual([200]);
        } else {
          expect({ chunked, ended, next: answers[2]?.status }).toEqual({ chunked, next: 200 });
        }
      }
      const deepLetter = "update: nested deeper than 64 levels";
      expect(committed).toEqual([deepLetter, 2, deepLetter, 2]);
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void));
    }
  });
});
