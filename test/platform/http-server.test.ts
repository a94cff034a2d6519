/**
 * The HttpServer adapters against real HTTP: Node's (node:http, which Deno also provides) on
 * both runtimes, Deno's (Deno.serve) where it exists, and whichever `platform/mod.ts` picks.
 * Port 0 gives a bound port; a body is read only when a route reads it; closing the scope ends
 * a request still waiting and stops listening.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform";
import { Deferred, Effect, Exit, Scope } from "effect";
import { request as httpRequest } from "node:http";
import { describe, expect, it } from "vitest";
import * as denoAdapter from "../../src/platform/deno.ts";
import * as platform from "../../src/platform/mod.ts";
import * as nodeAdapter from "../../src/platform/node.ts";
import { readBody } from "../../src/platform/read-body.ts";
import { exchange, rawPost } from "../support/raw-http.ts";

const onDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

const adapters = [
  { name: "node:http adapter", make: nodeAdapter.makeHttpServer, runs: true },
  { name: "Deno.serve adapter", make: denoAdapter.makeHttpServer, runs: onDeno },
  { name: `platform/mod.ts (${platform.runtimeName})`, make: platform.makeHttpServer, runs: true },
];

describe.each(adapters)("$name", ({ make, runs }) => {
  it.runIf(runs)("serves routes on a bound port; unread bodies, 404s, long requests ended by closing the scope", async () => {
    const scope = Effect.runSync(Scope.make());
    const waiting = Effect.runSync(Deferred.make<void>());
    const ended = Effect.runSync(Deferred.make<string>());
    const app = HttpRouter.empty.pipe(
      HttpRouter.get("/hello", HttpServerResponse.text("hi")),
      HttpRouter.post("/echo", Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest;
        const body = yield* request.text;
        return HttpServerResponse.text(`${request.method} ${body} ${request.headers["x-tag"]}`, { headers: { "x-answer": "yes" } });
      })),
      // Answers without reading what was sent: the connection must stay usable.
      HttpRouter.post("/refuse", HttpServerResponse.text("no", { status: 401 })),
      HttpRouter.get("/wait", Deferred.succeed(waiting, undefined).pipe(
        Effect.zipRight(Effect.never),
        Effect.onInterrupt(() => Deferred.succeed(ended, "interrupted")),
      )),
    );
    const port = await Effect.runPromise(
      Effect.gen(function* () {
        const server = yield* make({ host: "127.0.0.1", port: 0 });
        yield* server.serve(app);
        return server.address._tag === "TcpAddress" ? server.address.port : 0;
      }).pipe(Scope.extend(scope)),
    );
    expect(port).toBeGreaterThan(0);
    const base = `http://127.0.0.1:${port}`;

    const hello = await fetch(`${base}/hello`);
    expect([hello.status, await hello.text()]).toEqual([200, "hi"]);
    const echo = await fetch(`${base}/echo`, { method: "POST", body: "ping", headers: { "x-tag": "t1" } });
    expect([echo.status, await echo.text(), echo.headers.get("x-answer")]).toEqual([200, "POST ping t1", "yes"]);
    const big = "x".repeat(1 << 20);
    for (let i = 0; i < 3; i++) {
      const refused = await fetch(`${base}/refuse`, { method: "POST", body: big });
      expect([refused.status, await refused.text()]).toEqual([401, "no"]);
    }
    const again = await fetch(`${base}/echo`, { method: "POST", body: "after" });
    expect(await again.text()).toBe("POST after undefined");
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    // A method no web Request can carry is refused, and the server goes on.
    const trace = await new Promise<number | undefined>((resolve, reject) =>
      httpRequest(`${base}/hello`, { method: "TRACE" }, (res) => resolve(res.resume().statusCode)).on("error", reject).end()
    );
    expect(trace).toBeGreaterThanOrEqual(400);
    expect((await fetch(`${base}/hello`)).status).toBe(200);

    // A request still running when the scope closes is ended, and the port is released.
    const pending = fetch(`${base}/wait`).then((r) => r.status, () => "connection closed");
    await Effect.runPromise(Deferred.await(waiting));
    await Effect.runPromise(Scope.close(scope, Exit.void));
    expect(await Effect.runPromise(Deferred.await(ended))).toBe("interrupted");
    expect(await pending).not.toBe(200);
    await expect(fetch(`${base}/hello`)).rejects.toThrow();
  });

  it.runIf(runs)("a route that stops reading at its size limit answers, and the client sees the answer, not a reset", async () => {
    const app = HttpRouter.empty.pipe(
      HttpRouter.post("/bounded", Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest;
        const body = yield* Effect.either(readBody(request, 1024));
        return body._tag === "Right" ? HttpServerResponse.text(`${body.right.length}`) : HttpServerResponse.text(body.left._tag, { status: 413 });
      })),
    );
    await Effect.runPromise(
      Effect.gen(function* () {
        const server = yield* make({ host: "127.0.0.1", port: 0 });
        yield* server.serve(app);
        const port = server.address._tag === "TcpAddress" ? server.address.port : 0;
        const big = new Uint8Array(4 * 1024 * 1024).fill(0x78);
        // Chunked: the reader gives up half-way through the body, while the client still sends.
        const { answers, ended } = yield* Effect.promise(() => exchange(port, [rawPost("/bounded", big, { chunked: true }), rawPost("/bounded", "small")], 2));
        expect({ ended, answers: answers.map((a) => `${a.status} ${a.body}`) }).toEqual({ answers: ["413 BodyTooLarge", "200 5"] });
      }).pipe(Effect.scoped),
    );
  });

  it.runIf(runs)("fails with a ServeError when the port is taken", async () => {
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const first = yield* make({ host: "127.0.0.1", port: 0 });
        const port = first.address._tag === "TcpAddress" ? first.address.port : 0;
        return yield* Effect.exit(make({ host: "127.0.0.1", port }));
      }).pipe(Effect.scoped),
    );
    expect(Exit.isFailure(result) && JSON.stringify(result.cause)).toContain("ServeError");
  });
});


describe("node:http adapter", () => {
  it("interrupts a request whose client went away", async () => {
    const started = Effect.runSync(Deferred.make<void>());
    const ended = Effect.runSync(Deferred.make<string>());
    const app = HttpRouter.empty.pipe(
      HttpRouter.get("/wait", Deferred.succeed(started, undefined).pipe(Effect.zipRight(Effect.never), Effect.onInterrupt(() => Deferred.succeed(ended, "interrupted")))),
    );
    await Effect.runPromise(
      Effect.gen(function* () {
        const server = yield* nodeAdapter.makeHttpServer({ host: "127.0.0.1", port: 0 });
        yield* server.serve(app);
        const port = server.address._tag === "TcpAddress" ? server.address.port : 0;
        const client = new AbortController();
        const request = fetch(`http://127.0.0.1:${port}/wait`, { signal: client.signal }).catch(() => "aborted");
        yield* Deferred.await(started);
        client.abort();
        expect(yield* Effect.promise(() => request)).toBe("aborted");
        expect(yield* Deferred.await(ended)).toBe("interrupted");
      }).pipe(Effect.scoped),
    );
  });
});
