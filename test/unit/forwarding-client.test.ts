/**
 * The proxy's forwarding client (platform/http-client.ts) against a real loopback server: an
 * answer's body is handed over as it arrives (the first half is read while the server still
 * holds the second), a request body streams out before its end is written, and a connection
 * without activity fails the call, in its head or in its body.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { HttpClientRequest } from "@effect/platform";
import { Chunk, Effect, Either, Stream } from "effect";
import { describe, expect, it } from "vitest";
import { makeForwardingClient } from "../../src/platform/http-client.ts";

/** A server answering with `handle`; its URL and a close function. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/x`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

const latch = () => {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
};

describe("proxy forwarding client", () => {
  it("streams both bodies: the answer's first half before the server sends the rest, the request's before it ends", async () => {
    const rest = latch();
    const received = latch();
    let got = 0;
    const server = await serve((req, res) => {
      if (req.url === "/x/download") {
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": "8" });
        res.write("half");
        void rest.opened.then(() => res.end("done"));
        return;
      }
      req.on("data", (c: Buffer) => {
        got += c.length;
        if (got >= 5) received.open();
      });
      req.on("end", () => res.end(String(got)));
    });
    try {
      await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
        const client = yield* makeForwardingClient(5_000);
        const response = yield* client.execute(HttpClientRequest.get(`${server.url}/download`));
        expect(response.headers["content-length"]).toBe("8");
        const [first, reader] = yield* Effect.promise(async () => {
          const r = (Stream.toReadableStream(response.stream) as ReadableStream<Uint8Array>).getReader();
          return [(await r.read()).value, r] as const;
        });
        expect(new TextDecoder().decode(first)).toBe("half");
        rest.open();
        const second = yield* Effect.promise(() => reader.read());
        expect(new TextDecoder().decode(second.value)).toBe("done");

        // The request body's end is held back until the server has its beginning.
        const body = Stream.concat(Stream.make(new TextEncoder().encode("hello")), Stream.fromEffect(Effect.promise(() => received.opened.then(() => new TextEncoder().encode(" world")))));
        const upload = yield* client.execute(HttpClientRequest.post(`${server.url}/upload`).pipe(HttpClientRequest.bodyStream(body, { contentType: "text/plain" })));
        expect(yield* upload.text).toBe("11");
      })));
    } finally {
      await server.close();
    }
  });

  it("fails a call whose server goes silent, before its head or in its body", async () => {
    const server = await serve((req, res) => {
      if (req.url === "/x/body") {
        res.writeHead(200, { "content-length": "100" });
        res.write("partial");
      }
      // "/x/head": never answers.
    });
    try {
      await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
        const client = yield* makeForwardingClient(300);
        const head = yield* Effect.either(client.execute(HttpClientRequest.get(`${server.url}/head`)));
        expect(Either.isLeft(head)).toBe(true);
        const response = yield* client.execute(HttpClientRequest.get(`${server.url}/body`));
        const body = yield* Effect.either(Stream.runCollect(response.stream).pipe(Effect.map(Chunk.size)));
        expect(Either.isLeft(body)).toBe(true);
      })));
    } finally {
      await server.close();
    }
  });
});
