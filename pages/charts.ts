import { h, svg } from "./dom.ts";

/**
 * Hand-drawn SVG charts, each with its numbers as a table beside it (screen readers and keyboard
 * users read the table; the picture is `aria-hidden`). Colours come from the stylesheet, and every
 * series is also named in a legend, so colour is never the only cue.
 */

export interface Series {
  key: string;
  label: string;
}

/** Stacked columns, one per slot (an hour), with a labelled axis. */
export function stackedColumns(
  slots: { label: string; title: string; values: Record<string, number> }[],
  series: Series[],
  caption: string,
): HTMLElement {
  const width = 720;
  const height = 200;
  const left = 36;
  const bottom = 22;
  const max = Math.max(1, ...slots.map((slot) => series.reduce((sum, { key }) => sum + (slot.values[key] ?? 0), 0)));
  const scale = niceCeiling(max);
  const step = (width - left) / Math.max(1, slots.length);
  const barWidth = Math.max(1, step * 0.8);
  const plotHeight = height - bottom - 8;
  const picture = svg(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, class: "chart", "aria-hidden": "true", preserveAspectRatio: "none" },
    ...[0, 0.5, 1].map((fraction) => {
      const y = 8 + plotHeight * (1 - fraction);
      return svg(
        "g",
        { class: "grid" },
        svg("line", { x1: left, x2: width, y1: y, y2: y }),
        svg("text", { x: left - 4, y: y + 4, "text-anchor": "end" }, Math.round(scale * fraction)),
      );
    }),
    ...slots.flatMap((slot, index) => {
      let y = 8 + plotHeight;
      const x = left + index * step + (step - barWidth) / 2;
      const bars = series.map(({ key }) => {
        const value = slot.values[key] ?? 0;
        const barHeight = (value / scale) * plotHeight;
        y -= barHeight;
        return svg("rect", { x, y, width: barWidth, height: barHeight, class: `fill-${key}` });
      });
      const labelled = slots.length <= 24 ? index % 3 === 0 : index % 24 === 0;
      const tick = labelled
        ? [svg("text", { x: x + barWidth / 2, y: height - 6, "text-anchor": "middle" }, slot.label)]
        : [];
      return [svg("g", {}, svg("title", {}, slot.title), ...bars), ...tick];
    }),
  );
  const table = h(
    "table",
    {},
    h("caption", {}, caption),
    h(
      "thead",
      {},
      h("tr", {}, h("th", { scope: "col" }, "Hour"), ...series.map(({ label }) => h("th", { scope: "col" }, label))),
    ),
    h(
      "tbody",
      {},
      ...slots.map((slot) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, slot.title),
          ...series.map(({ key }) => h("td", {}, slot.values[key] ?? 0)),
        ),
      ),
    ),
  );
  return h(
    "div",
    { class: "chart-block" },
    legend(series),
    picture,
    h("details", { class: "as-table" }, h("summary", {}, "Show as a table"), table),
  );
}

/** Horizontal bars of a share (0–1), each with its numbers written out. */
export function shareBars(rows: { label: string; share: number; text: string }[], emptyText: string): HTMLElement {
  if (rows.length === 0) return h("p", { class: "empty" }, emptyText);
  return h(
    "ul",
    { class: "bars" },
    ...rows.map((row) => {
      const bar = h("span", { class: "bar" }, h("span", { class: "bar-fill" }));
      (bar.firstElementChild as HTMLElement).style.width = `${Math.round(row.share * 1000) / 10}%`;
      return h(
        "li",
        {},
        h("span", { class: "bar-label" }, row.label),
        bar,
        h("span", { class: "bar-value" }, row.text),
      );
    }),
  );
}

/** A scale from 0 to `limitMs` with markers at each value: the hook's time against Okta's 3 s. */
export function limitScale(markers: { label: string; ms: number }[], limitMs: number): HTMLElement {
  const width = 600;
  const x = (ms: number) => 10 + (Math.min(ms, limitMs) / limitMs) * (width - 20);
  return h(
    "div",
    { class: "chart-block" },
    svg(
      "svg",
      { viewBox: `0 0 ${width} 56`, class: "chart scale", "aria-hidden": "true" },
      svg("rect", { x: 10, y: 22, width: width - 20, height: 8, class: "track" }),
      svg("line", { x1: x(limitMs), x2: x(limitMs), y1: 14, y2: 38, class: "limit" }),
      svg("text", { x: x(limitMs), y: 52, "text-anchor": "end" }, `Okta's limit ${limitMs / 1000} s`),
      ...markers.flatMap((marker, index) => [
        svg("circle", { cx: x(marker.ms), cy: 26, r: 6, class: `marker marker-${index}` }),
        svg("text", { x: x(marker.ms), y: 12, "text-anchor": "middle" }, marker.label),
      ]),
    ),
  );
}

function legend(series: Series[]): HTMLElement {
  return h(
    "ul",
    { class: "legend", "aria-hidden": "true" },
    ...series.map(({ key, label }) => h("li", {}, h("span", { class: `swatch fill-${key}` }), label)),
  );
}

/** 1, 2, 5 × 10^n at or above `value`: an axis a person reads at a glance. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((factor) => factor * power >= value) ?? 10) * power;
}
