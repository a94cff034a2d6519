/**
 * The HTTP transports against a real loopback server: a call that times out fails, and is sent
 * exactly once — Deno's node:http would send it again on a fresh socket and hand back the late
 * answer (denoland/deno#36786), which is why Deno's `HttpClient` transport uses fetch; the Bot
 * API client's own transport (json-transport.ts, both runtimes) is held to the same.
 */
import { createServer } from "node:http";
import { HttpClientRequest } from "@effect/platform";
import { Effect, Either, Fiber, TestClock, TestContext } from "effect";
import { describe, expect, it } from "vitest";
import { makeHttpClient } from "../../src/platform/http-client.ts";
import { makeTelegramClient } from "../../src/telegram/client.ts";

/** A Bot API stand-in that holds every getUpdates open (until `held` is released) and answers any other call at once. */
async function holdingPolls() {
  const held: (() => void)[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.url?.endsWith("/getUpdates")) held.push(() => res.end('{"ok":true,"result":[]}'));
      else res.end('{"ok":true,"result":"sent"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { held, server, base: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

/** A server that records every request body and answers at once, or after 1 s when the body says "slow". */
async function slowWhenAsked() {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push(body);
      if (body.includes("slow")) setTimeout(() => res.end('{"ok":true,"result":"late"}'), 1_000);
      else res.end('{"ok":true,"result":"fast"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { seen, server, base: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

describe("Bot API HTTP transport", () => {
  it("a timed-out call fails and reaches the server once", async () => {
    const { seen, server, base } = await slowWhenAsked();
    const url = `${base}/botX/sendMessage`;
    const client = makeHttpClient(300);
    const post = (text: string) =>
      Effect.runPromise(Effect.either(Effect.scoped(HttpClientRequest.post(url).pipe(HttpClientRequest.bodyUnsafeJson({ text }), client.execute, Effect.flatMap((r) => r.text)))));

    const fast = await post("fast"); // leaves a kept-alive socket for the next call
    expect(Either.getOrThrow(fast)).toContain("fast");
    const slow = await post("slow");
    expect(Either.isLeft(slow)).toBe(true);
    await new Promise((r) => setTimeout(r, 1_500)); // long enough for a silent second send to arrive
    expect(seen.map((b) => JSON.parse(b).text)).toEqual(["fast", "slow"]);
    await new Promise((r) => server.close(r));
  });

  it("a send goes through while more bots' long polls are waiting than the send pool has sockets", async () => {
    const { held, base, server } = await holdingPolls();
    const client = makeHttpClient(30_000);
    const post = (path: string) =>
      Effect.runPromise(Effect.scoped(HttpClientRequest.post(base + path).pipe(HttpClientRequest.bodyUnsafeJson({}), client.execute, Effect.flatMap((r) => r.text))));
    // 80 bots polling (more than the 64 sockets sends may use), all held open by the server.
    const polls = Array.from({ length: 80 }, (_, i) => post(`/bot${i}/getUpdates`));
    for (let i = 0; i < 500 && held.length < 80; i++) await new Promise((r) => setTimeout(r, 10));
    expect(held.length).toBe(80);
    expect(await post("/bot0/sendMessage")).toContain("sent");
    for (const release of held) release();
    await Promise.all(polls);
    await new Promise((r) => server.close(r));
  });

  it("the Bot API client's own transport: a send and a further poll go through while more bots poll than the send pool has sockets", async () => {
    const { held, base, server } = await holdingPolls();
    // One client per bot, as each bot of a process has (the transport's pools are the process's).
    const clientOf = (i: number) => makeTelegramClient(`${i}:token`, base);
    const polls = Array.from({ length: 80 }, (_, i) => Effect.runPromise(clientOf(i).call("getUpdates", { timeout: 2 })));
    for (let i = 0; i < 500 && held.length < 80; i++) await new Promise((r) => setTimeout(r, 10));
    expect(held.length).toBe(80);
    expect(await Effect.runPromise(clientOf(0).call("sendMessage", { chat_id: 1, text: "hi" }))).toBe("sent");
    const another = Effect.runPromise(clientOf(80).call("getUpdates", { timeout: 2 }));
    for (let i = 0; i < 500 && held.length < 81; i++) await new Promise((r) => setTimeout(r, 10));
    expect(held.length).toBe(81);
    for (const release of held) release();
    await Promise.all([...polls, another]);
    await new Promise((r) => server.close(r));
  });

  it("the Bot API client's own transport: a call past its deadline fails and reaches the server once, and the next call goes through", async () => {
    const { seen, server, base } = await slowWhenAsked();
    const client = makeTelegramClient("once", base);
    const send = (text: string) => Effect.runPromise(Effect.either(client.call("sendMessage", { chat_id: 1, text }, { timeout: "300 millis" })));
    expect(Either.getOrThrow(await send("fast"))).toBe("fast"); // leaves a kept-alive connection for the next call
    const slow = await send("slow");
    expect(Either.isLeft(slow) && slow.left._tag === "NetworkError" && slow.left.reason).toMatch(/timed out after 0.3 s/);
    await new Promise((r) => setTimeout(r, 1_500)); // long enough for a silent second send to arrive
    expect(Either.getOrThrow(await send("after"))).toBe("fast");
    expect(seen.map((b) => JSON.parse(b).text)).toEqual(["fast", "slow", "after"]);
    await new Promise((r) => server.close(r));
  });

  it("a call's own limit: the Bot API client gives up on a long poll past it, on real time (a TestClock moved by hours does not abort it)", async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => setTimeout(() => res.end('{"ok":true,"result":[]}'), req.url?.includes("slow") ? 1_500 : 200));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const late = await Effect.runPromise(Effect.either(makeTelegramClient("slow", base).call("getUpdates", { timeout: 1 }, { timeout: "300 millis" })));
    expect(Either.isLeft(late) && late.left._tag === "NetworkError" && late.left.reason).toMatch(/timed out/);
    const onTime = await Effect.runPromise(Effect.provide(Effect.gen(function* () {
      const poll = yield* Effect.fork(makeTelegramClient("fast", base).call("getUpdates", { timeout: 1 }, { timeout: "1 second" }));
      yield* TestClock.adjust("1 hour");
      return yield* Fiber.join(poll);
    }), TestContext.TestContext));
    expect(onTime).toEqual([]);
    await new Promise((r) => server.close(r));
  });
});
