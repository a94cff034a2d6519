/**
 * A webhook receiver for tests: a real HTTP server on 127.0.0.1 that records every request and
 * answers as the test says — a status, a 429 with `Retry-After`, a status with a JSON body (a
 * command webhook's answer), or nothing at all ("hang").
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { WebhookPayload } from "../../plugins/webhooks/payload.ts";

/** How the receiver answers one request. */
export type Answer = number | "hang" | { status: number; retryAfter: string } | { status: number; json: unknown };

/** One request a receiver got, and how it answered. */
export interface Hit {
  headers: IncomingHttpHeaders;
  raw: string;
  body: WebhookPayload;
  answer: Answer;
  /** Resolves when the client gave the request up (its socket closed before an answer). */
  aborted: Promise<void>;
}

/**
 * Starts a receiver; `answer(n)` picks the reply to the n-th request (0-based), 200 by default.
 * `close()` ends hanging requests and stops the server.
 */
export async function startReceiver(o: { port?: number; answer?: (n: number) => Answer } = {}) {
  const hits: Hit[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (raw += chunk));
    req.on("end", () => {
      const answer = o.answer?.(hits.length) ?? 200;
      const aborted = new Promise<void>((resolve) => res.on("close", () => !res.writableEnded && resolve()));
      hits.push({ headers: req.headers, raw, body: JSON.parse(raw) as WebhookPayload, answer, aborted });
      if (answer === "hang") return void hanging.push(res);
      const status = typeof answer === "number" ? answer : answer.status;
      if (typeof answer === "object" && "retryAfter" in answer) res.setHeader("retry-after", answer.retryAfter);
      res.statusCode = status;
      if (typeof answer === "object" && "json" in answer) {
        res.setHeader("content-type", "application/json");
        return void res.end(JSON.stringify(answer.json));
      }
      res.end(status < 300 ? "ok" : "not now");
    });
  });
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, "127.0.0.1", () => resolve()));
  const port = (server.address() as { port: number }).port;
  const delivered = () => hits.filter((h) => h.answer === 200 || (typeof h.answer === "object" && h.answer.status === 200));
  return {
    url: `http://127.0.0.1:${port}/hook`,
    hits,
    /** The requests answered 200. */
    delivered,
    /** The events of the requests answered 200, in order. */
    events: () => delivered().map((h) => h.body.event),
    async close() {
      for (const res of hanging) res.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
