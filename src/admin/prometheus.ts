/**
 * The Prometheus text exposition format (version 0.0.4), written from Effect's
 * `Metric.snapshot` and from gauges read at scrape time. Small enough to own: one `# HELP` and
 * `# TYPE` per family, then its samples; histograms as cumulative `_bucket{le=…}` lines plus
 * `_sum` and `_count`.
 */
import type * as MetricPair from "effect/MetricPair";
import * as MetricState from "effect/MetricState";
import * as Option from "effect/Option";

/** One line of a family: `name{labels} value`, `suffix` appended to the name (`_bucket` …). */
export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly suffix?: string;
}

/** A metric family. */
export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge" | "histogram";
  readonly samples: readonly Sample[];
}

/** The content type scrapers expect for this format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

/** A sample value as Prometheus spells it. */
const formatValue = (v: number) => (Number.isNaN(v) ? "NaN" : v === Infinity ? "+Inf" : v === -Infinity ? "-Inf" : String(v));

const labelText = (labels: Readonly<Record<string, string>>) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
};

/** The families of the Effect metrics named `prefix…` (other metrics in the process are not ours to publish). */
export function familiesOf(pairs: readonly MetricPair.MetricPair.Untyped[], prefix = "switchboard_"): Family[] {
  const byName = new Map<string, { help: string; type: Family["type"]; samples: Sample[] }>();
  for (const { metricKey, metricState } of pairs) {
    if (!metricKey.name.startsWith(prefix)) continue;
    const labels: Record<string, string> = {};
    for (const tag of metricKey.tags) labels[tag.key] = tag.value;
    const help = Option.getOrElse(metricKey.description, () => metricKey.name);
    const type: Family["type"] | undefined = MetricState.isCounterState(metricState) ? "counter"
      : MetricState.isGaugeState(metricState) ? "gauge"
      : MetricState.isHistogramState(metricState) ? "histogram"
      : undefined;
    if (type === undefined) continue;
    const family = byName.get(metricKey.name) ?? { help, type, samples: [] };
    byName.set(metricKey.name, family);
    if (MetricState.isCounterState(metricState)) family.samples.push({ labels, value: Number(metricState.count) });
    else if (MetricState.isGaugeState(metricState)) family.samples.push({ labels, value: Number(metricState.value) });
    else if (MetricState.isHistogramState(metricState)) {
      // Effect's buckets are already cumulative and end with +Inf.
      for (const [le, count] of metricState.buckets) family.samples.push({ labels: { ...labels, le: formatValue(le) }, value: count, suffix: "_bucket" });
      if (!metricState.buckets.some(([le]) => le === Infinity)) family.samples.push({ labels: { ...labels, le: "+Inf" }, value: metricState.count, suffix: "_bucket" });
      family.samples.push({ labels, value: metricState.sum, suffix: "_sum" });
      family.samples.push({ labels, value: metricState.count, suffix: "_count" });
    }
  }
  return [...byName].map(([name, f]) => ({ name, ...f }));
}

/** The exposition text of `families`. */
export function renderPrometheus(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) lines.push(`${f.name}${s.suffix ?? ""}${labelText(s.labels)} ${formatValue(s.value)}`);
  }
  return lines.join("\n") + "\n";
}
