/** The Prometheus text format as a scraper reads it, strictly (for the tests of `/metrics`). */
import { expect } from "vitest";

/** One parsed sample. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A strict parser of the text exposition format 0.0.4: every line is a HELP or TYPE comment, a
 * sample `name{l="v",…} value`, or empty; every sample belongs to the family last TYPEd (with
 * _bucket/_sum/_count for histograms); names and label names are valid; values are numbers.
 */
export function parsePrometheus(text: string): Sample[] {
  const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  let family: string | undefined;
  expect(text.endsWith("\n")).toBe(true);
  for (const [i, line] of text.split("\n").entries()) {
    const at = `line ${i + 1}: ${line}`;
    if (line === "") continue;
    const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (comment) {
      expect(NAME.test(comment[2]), at).toBe(true);
      if (comment[1] === "TYPE") {
        expect(["counter", "gauge", "histogram", "summary", "untyped"], at).toContain(comment[3]);
        expect(types.has(comment[2]), `${at} (TYPE twice)`).toBe(false);
        types.set(comment[2], comment[3]);
        family = comment[2];
      }
      continue;
    }
    expect(line.startsWith("#"), `${at} (unknown comment)`).toBe(false);
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    expect(m, at).not.toBeNull();
    const [, name, labelText, valueText] = m!;
    const labels: Record<string, string> = {};
    if (labelText) {
      const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
      let pos = 0;
      while (pos < labelText.length) {
        LABEL.lastIndex = pos;
        const l = LABEL.exec(labelText);
        expect(l, `${at} (label at ${pos})`).not.toBeNull();
        labels[l![1]] = l![2].replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
        pos = LABEL.lastIndex;
      }
    }
    expect(/^([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]Inf|NaN)$/.test(valueText), at).toBe(true);
    const base = types.get(name) !== undefined ? name : name.replace(/_(bucket|sum|count)$/, "");
    expect(base, `${at} (sample outside its family)`).toBe(family);
    if (base !== name) expect(types.get(base), at).toBe("histogram");
    samples.push({ name, labels, value: valueText.endsWith("Inf") ? (valueText.startsWith("-") ? -Infinity : Infinity) : Number(valueText) });
  }
  return samples;
}

/** The value of the first sample named `name` with (at least) `labels`. */
export const valueOf = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
