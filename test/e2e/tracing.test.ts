/**
 * OpenTelemetry traces end to end: with `tracing` configured, one relayed message leaves one
 * trace at a loopback OTLP/HTTP receiver — its accept at the inbox, the step it caused, and the
 * deliveries that step queued (topic creation, the copy), each a child of the one before. And
 * the `tracing` key's mistakes get clear messages.
 */
import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config/mod.ts";
import { advanceUntil, closeAll, createWorld, firstContact, startSwitchboard, topicMessages, waitFor } from "../support/world.ts";

afterEach(closeAll);

/** An OTLP span as posted in JSON. */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean } }[];
  status: { code: number };
}

/** A collector that keeps every span posted to /v1/traces, and the resources' service names. */
async function startReceiver() {
  const spans: OtlpSpan[] = [];
  const services: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/v1/traces") {
        const data = JSON.parse(body) as { resourceSpans: { resource: { attributes: OtlpSpan["attributes"] }; scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const r of data.resourceSpans) {
          services.push(String(r.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue));
          for (const s of r.scopeSpans) spans.push(...s.spans);
        }
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return { spans, services, url: `http://127.0.0.1:${port}/v1/traces`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A span attribute's value, whatever its OTLP type. */
const attr = (span: OtlpSpan, key: string) => {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v === undefined ? undefined : v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : v.doubleValue ?? v.boolValue);
};

describe("tracing", () => {
  it("follows one relayed message: accept → step → its deliveries, in one trace", async () => {
    const receiver = await startReceiver();
    try {
      const w = await createWorld();
      const running = await startSwitchboard(w, { extra: `tracing: { otlp_endpoint: "${receiver.url}", service_name: hotline-test }\n` });
      const { user } = await firstContact(w, "Ann", "hello");
      // Posted every 2 s (and at the stop, within 3 s: too short a wait on a loaded machine).
      await waitFor(() => receiver.spans.some((s) => s.name === "switchboard.deliver" && attr(s, "switchboard.intent") === "copyToTopic"), "the copy's span");
      await running.stop();

      const accept = receiver.spans.find((s) => s.name === "switchboard.accept" && receiver.spans.some((t) => t.parentSpanId === s.spanId));
      expect(accept, "an accept span with a child").toBeDefined();
      expect(accept!.parentSpanId ?? "").toBe("");
      expect(attr(accept!, "switchboard.bot")).toBe("acme");
      expect(attr(accept!, "switchboard.source")).toBe("polling");
      const updateId = attr(accept!, "switchboard.update_id");
      expect(typeof updateId).toBe("number");

      const step = receiver.spans.find((s) => s.name === "switchboard.step" && s.parentSpanId === accept!.spanId)!;
      expect(step).toBeDefined();
      expect(step.traceId).toBe(accept!.traceId);
      expect(attr(step, "switchboard.chat")).toBe(user.id);
      expect(attr(step, "switchboard.event")).toBe("user.message");
      expect(attr(step, "switchboard.update_id")).toBe(updateId);

      const deliveries = receiver.spans.filter((s) => s.name === "switchboard.deliver" && s.parentSpanId === step.spanId);
      const byIntent = new Map(deliveries.map((d) => [attr(d, "switchboard.intent"), d]));
      expect([...byIntent.keys()]).toEqual(expect.arrayContaining(["createTopic", "copyToTopic"]));
      const create = byIntent.get("createTopic")!;
      const copy = byIntent.get("copyToTopic")!;
      expect(attr(create, "telegram.method")).toBe("createForumTopic");
      expect(attr(copy, "telegram.method")).toBe("copyMessage");
      for (const d of [create, copy]) {
        expect(d.traceId).toBe(accept!.traceId);
        expect(attr(d, "switchboard.outcome")).toBe("done");
        expect(attr(d, "switchboard.attempt")).toBe(1);
        expect(attr(d, "switchboard.chat")).toBe(user.id);
        expect(d.status.code).not.toBe(2);
      }
      expect(new Set(receiver.services)).toEqual(new Set(["hotline-test"]));
    } finally {
      await receiver.close();
    }
  });

  it("traces each attempt of a retried delivery under the same step: retry at attempt 1, done at 2", async () => {
    const receiver = await startReceiver();
    try {
      const w = await createWorld();
      const running = await startSwitchboard(w, { extra: `tracing: { otlp_endpoint: "${receiver.url}" }\n`, testClock: true });
      const { user, topic } = await firstContact(w, "Ann", "hello");
      w.emulator.injectFault({ method: "copyMessage", kind: "500", times: 1 });
      w.emulator.userSends(w.bot.token, user.id, { text: "again" });
      await advanceUntil(running, () => topicMessages(w, topic.threadId).some((m) => m.text === "again"), "the copy after its retry");
      // The exporter posts every 2 s of this TestClock.
      await advanceUntil(running, () => receiver.spans.some((s) => attr(s, "switchboard.attempt") === 2), "the second attempt's span");
      await running.stop();

      const copies = receiver.spans.filter((s) => s.name === "switchboard.deliver" && attr(s, "switchboard.intent") === "copyToTopic" && attr(s, "switchboard.attempt") !== undefined);
      const retried = copies.find((s) => attr(s, "switchboard.outcome") === "retry")!;
      expect(retried, "the refused attempt").toBeDefined();
      expect(attr(retried, "switchboard.attempt")).toBe(1);
      expect(attr(retried, "telegram.method")).toBe("copyMessage");
      expect(String(attr(retried, "switchboard.outcome_reason"))).toMatch(/500/);
      const done = copies.find((s) => s.parentSpanId === retried.parentSpanId && attr(s, "switchboard.outcome") === "done")!;
      expect(done, "the second attempt, under the same step").toBeDefined();
      expect(attr(done, "switchboard.attempt")).toBe(2);
      expect(attr(done, "switchboard.outbox_id")).toBe(attr(retried, "switchboard.outbox_id"));
      const step = receiver.spans.find((s) => s.spanId === retried.parentSpanId)!;
      expect(step.name).toBe("switchboard.step");
      expect(attr(step, "switchboard.event")).toBe("user.message");
    } finally {
      await receiver.close();
    }
  });

  it("sends nothing with sample_ratio 0, and nothing without the key", async () => {
    const receiver = await startReceiver();
    try {
      for (const extra of [`tracing: { otlp_endpoint: "${receiver.url}", sample_ratio: 0 }\n`, ""]) {
        const w = await createWorld();
        const running = await startSwitchboard(w, { extra });
        await firstContact(w, "Bea", "hi");
        await running.stop();
      }
      expect(receiver.spans).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it("reports the tracing key's mistakes clearly", async () => {
    const w = await createWorld();
    const problems = (tracing: string) => {
      try {
        parseConfig(w.yaml() + tracing, { ACME_TOKEN: w.bot.token });
        return "";
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return e.message;
      }
    };
    expect(problems(`tracing: { otlp_endpoint: "http://127.0.0.1:4318/v1/traces", sample_ratio: 0.25 }\n`)).toBe("");
    expect(parseConfig(w.yaml() + `tracing: { otlp_endpoint: "http://127.0.0.1:4318/v1/traces", sample_ratio: 0.25 }\n`, { ACME_TOKEN: w.bot.token }).tracing)
      .toEqual({ otlpEndpoint: "http://127.0.0.1:4318/v1/traces", serviceName: "switchboard", sampleRatio: 0.25 });
    expect(problems(`tracing: { otlp_endpont: "http://127.0.0.1:4318/v1/traces" }\n`)).toMatch(/tracing\.otlp_endpont.*did you mean "otlp_endpoint"/s);
    expect(problems(`tracing: { service_name: x }\n`)).toMatch(/tracing\.otlp_endpoint.*required/s);
    expect(problems(`tracing: { otlp_endpoint: "localhost:4318" }\n`)).toMatch(/tracing\.otlp_endpoint.*OTLP\/HTTP traces URL/s);
    expect(problems(`tracing: { otlp_endpoint: "http://127.0.0.1:4318/v1/traces", sample_ratio: 2 }\n`)).toMatch(/tracing\.sample_ratio.*from 0 to 1/s);
  });
});
