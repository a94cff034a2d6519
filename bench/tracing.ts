/**
 * Micro-benchmark of tracing's cost per relayed message, in-process: one update's three
 * pipeline wrappers (accept, step, one delivery) around an Effect that does nothing, run
 *   - plain: the code path without tracing (what runs when `tracing` is absent),
 *   - off-check: the same with the `tracing === undefined` test the stepper makes per batch,
 *   - on: through `botTracing` with @effect/opentelemetry's OTLP tracer posting to a local sink.
 * Prints CPU µs per message. Timings are reported, never asserted.
 *
 *   npx tsx bench/tracing.ts   ·   node_modules/deno/deno run -A bench/tracing.ts
 */
import { createServer } from "node:http";
import * as Effect from "effect/Effect";
import * as Scope from "effect/Scope";
import * as Exit from "effect/Exit";
import type { Intent } from "../src/conversation/intents.ts";
import type { OutboxRow } from "../src/store/outbox.ts";
import type { TelegramClient } from "../src/telegram/client.ts";
import { makePipelineTracer } from "../src/tracing/otlp.ts";
import { type BotTracing, botTracing } from "../src/tracing/pipeline-spans.ts";

const ROUNDS = Number(process.env.ROUNDS ?? 20_000);

const sink = createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(200).end("{}"));
});
await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${(sink.address() as { port: number }).port}/v1/traces`;

const client = { apiRoot: "", call: () => Effect.succeed({}), upload: () => Effect.succeed({}) } as unknown as TelegramClient;
const work = Effect.succeed({ kind: "done" as const });

/** One message's way: accept, step, deliver, each around the do-nothing work. */
const message = (tracing: BotTracing | undefined, i: number) => {
  const update = [{ update_id: i }];
  const envelope = [{ chatId: 1, updateId: i, event: { type: "user.message" } }];
  const rows: OutboxRow<Intent>[] = [{ id: i, chatId: 1, intent: { type: "copyToTopic", messageId: i } as Intent, attempts: 0, notBefore: 0, createdAt: i }];
  return tracing === undefined
    ? Effect.zipRight(Effect.zipRight(work, work), work)
    : Effect.zipRight(Effect.zipRight(tracing.accept(update, "polling", work), tracing.step(envelope, i, work)), tracing.deliver(1, rows, client, () => work));
};

async function measure(label: string, tracing: BotTracing | undefined, checkFlag = false) {
  const run = (i: number) => Effect.runPromise(checkFlag ? Effect.suspend(() => message(tracing === undefined ? undefined : tracing, i)) : message(tracing, i));
  for (let i = 0; i < 2_000; i++) await run(i);
  const cpu = process.cpuUsage();
  for (let i = 0; i < ROUNDS; i++) await run(1e6 + i);
  const used = process.cpuUsage(cpu);
  console.log(`${label.padEnd(10)} ${((used.user + used.system) / ROUNDS).toFixed(2)} µs CPU per message`);
}

const scope = Effect.runSync(Scope.make());
const tracer = await Effect.runPromise(Scope.extend(makePipelineTracer({ otlpEndpoint: url, serviceName: "bench", sampleRatio: 1 }), scope));
await measure("plain", undefined);
await measure("plain", undefined);
await measure("off-check", undefined, true);
await measure("on", botTracing(tracer, "bench"));
await Effect.runPromise(Scope.close(scope, Exit.void));
sink.close();
