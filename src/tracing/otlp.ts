/**
 * The deployment's tracer when `tracing` is configured: `@effect/opentelemetry`'s OTLP tracer,
 * which batches ended spans and posts them as OTLP/HTTP JSON with `fetch` (the same code on Node
 * and Deno, and none of the OpenTelemetry SDK loaded). Spans are posted every few seconds and
 * once more when the deployment stops, so the last messages before a stop are not lost.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient";
import * as OtlpSerialization from "@effect/opentelemetry/OtlpSerialization";
import * as OtlpTracer from "@effect/opentelemetry/OtlpTracer";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import type { TracingConfig } from "../config/types.ts";
import type { PipelineTracer } from "./pipeline-spans.ts";

/** How often buffered spans are posted. */
const EXPORT_INTERVAL = "2 seconds";

/** Starts the exporter for the life of the scope (its finalizer posts what is left). */
export const makePipelineTracer = (config: TracingConfig): Effect.Effect<PipelineTracer, never, Scope.Scope> =>
  OtlpTracer.make({ url: config.otlpEndpoint, resource: { serviceName: config.serviceName }, exportInterval: EXPORT_INTERVAL }).pipe(
    Effect.map((tracer) => ({ tracer, sampleRatio: config.sampleRatio })),
    Effect.provide(FetchHttpClient.layer),
    Effect.provide(OtlpSerialization.layerJson),
  );
