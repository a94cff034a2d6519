/**
 * The `tracing` key: OpenTelemetry traces of each message's way through the pipeline, sent as
 * OTLP/HTTP (JSON) to a collector. Absent means off, and off costs the pipeline nothing: the
 * traced paths are chosen once when a bot starts (tracing/pipeline-spans.ts).
 */
import { DEFAULT_TRACING_SERVICE_NAME } from "./defaults.ts";
import { TRACING_KEYS as KEYS } from "./document.ts";
import { childPath, type Problems } from "./problems.ts";
import { checkKeys, describe, isUnresolved, readHttpUrl, readMapping, readString } from "./read.ts";
import { asNumber } from "./spellings.ts";
import type { TracingConfig } from "./types.ts";

const EXAMPLE = `a mapping like { otlp_endpoint: "http://127.0.0.1:4318/v1/traces" }`;

/** Reads the key; absent means no traces. */
export function readTracing(value: unknown, path: string, problems: Problems): TracingConfig | undefined {
  if (value === null || value === undefined) return undefined;
  const mapping = readMapping(value, path, problems, EXAMPLE);
  if (mapping === undefined) return undefined;
  checkKeys(mapping, KEYS, path, problems);
  const before = problems.list.length;

  const endpointPath = childPath(path, "otlp_endpoint");
  let endpoint: URL | undefined;
  if (mapping.otlp_endpoint === null || mapping.otlp_endpoint === undefined) {
    problems.add(endpointPath, `required: the collector's OTLP/HTTP traces URL, e.g. "http://127.0.0.1:4318/v1/traces" (leave tracing out to turn it off)`);
  } else {
    endpoint = readHttpUrl(mapping.otlp_endpoint, endpointPath, problems, `the collector's OTLP/HTTP traces URL, e.g. "http://127.0.0.1:4318/v1/traces"`);
  }

  const namePath = childPath(path, "service_name");
  let serviceName = DEFAULT_TRACING_SERVICE_NAME;
  if (mapping.service_name !== null && mapping.service_name !== undefined) {
    const name = readString(mapping.service_name, namePath, problems, "a service name");
    if (name !== undefined && name.trim() !== "") serviceName = name.trim();
    else if (name !== undefined) problems.add(namePath, `expected a service name, got an empty string`);
  }

  const ratioPath = childPath(path, "sample_ratio");
  let sampleRatio = 1;
  const rawRatio = mapping.sample_ratio;
  if (rawRatio !== null && rawRatio !== undefined && !isUnresolved(rawRatio, ratioPath, problems)) {
    const ratio = asNumber(rawRatio);
    if (ratio !== undefined && ratio >= 0 && ratio <= 1) sampleRatio = ratio;
    else problems.add(ratioPath, `expected a share of messages traced, from 0 to 1 (e.g. 0.1 for one in ten), got ${describe(rawRatio)}`);
  }

  if (problems.list.length > before || endpoint === undefined) return undefined;
  return { otlpEndpoint: endpoint.href, serviceName, sampleRatio };
}
