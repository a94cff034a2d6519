/**
 * One per-day chart drawn by uPlot (canvas). The container carries its data's totals as
 * `data-totals` (series name → sum), so what a chart shows can be read back without pixels.
 */
import uPlot from "uplot";
import { useEffect, useRef } from "preact/hooks";
import { html } from "./html.js";

const dayMs = 86_400_000;

/** `days` (the report's rows) as uPlot wants them: x in seconds, then one array per series. */
const dataOf = (days, series) => [days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000), ...series.map((s) => days.map((d) => d[s.field]))];

/** A bar chart of `series` ({ field, label, color }) over `days`. */
export function DayChart({ name, days, series }) {
  const box = useRef(null);
  useEffect(() => {
    const el = box.current;
    // Grouped bars: each series gets its slice of the day's 80 %, placed by x0 (seconds).
    const slot = (0.8 * dayMs) / 1000 / series.length;
    const barsOf = (i) =>
      uPlot.paths.bars({
        disp: {
          x0: { unit: 1, values: (u) => u.data[0].map((t) => t - 0.4 * (dayMs / 1000) + i * slot) },
          size: { unit: 1, values: () => [slot * 0.9] },
        },
      });
    const data = dataOf(days, series);
    const half = dayMs / 2000;
    const opts = {
      width: Math.max(320, el.clientWidth),
      height: 220,
      // UTC days, as the server counts them.
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
      scales: {
        // Half a day either side of the first and last day, so their bars fit.
        x: { time: true, range: () => [data[0][0] - half, data[0][data[0].length - 1] + half] },
        y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
      },
      // Counts: whole-number ticks only.
      axes: [{
        // One tick per day (at most ~12), labelled MM-DD.
        splits: () => data[0].filter((_, i) => i % Math.ceil(data[0].length / 12) === 0),
        values: (_u, splits) => splits.map((t) => new Date(t * 1000).toISOString().slice(5, 10)),
      }, { size: 44, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 1e6] }],
      legend: { live: false },
      series: [
        { label: "day", value: "{YYYY}-{MM}-{DD}" },
        ...series.map((s, i) => ({ label: s.label, stroke: s.color, fill: `${s.color}cc`, width: 1, points: { show: false }, paths: barsOf(i) })),
      ],
      cursor: { points: { show: false } },
    };
    const chart = new uPlot(opts, data, el);
    return () => chart.destroy();
  }, [days, series]);
  const totals = Object.fromEntries(series.map((s) => [s.field, days.reduce((n, d) => n + d[s.field], 0)]));
  return html`<div class="chart" ref=${box} data-chart=${name} data-totals=${JSON.stringify(totals)}></div>`;
}
