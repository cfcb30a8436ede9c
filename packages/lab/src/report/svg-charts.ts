import { escapeHtml } from './html-escape';
/** Small, dependency-free SVG charts, so the HTML report opens offline and prints as it looks. */

export interface Series {
  label: string;
  colour: string;
  /** `null` where there is no value (no request succeeded that second): the line breaks there. */
  points: Array<[number, number | null]>;
}

/** The runs of consecutive points that have a value: a line is drawn through each, never across a gap. */
function runsOf(points: Series['points']): Array<Array<[number, number]>> {
  const runs: Array<Array<[number, number]>> = [[]];
  for (const [px, py] of points) {
    if (py === null) runs.push([]);
    else runs.at(-1)?.push([px, py]);
  }
  return runs.filter((run) => run.length > 0);
}

const WIDTH = 560;
const HEIGHT = 220;
const PAD = { left: 56, right: 12, top: 24, bottom: 32 };

export function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / magnitude) * magnitude;
}

function frame(
  title: string,
  yLabel: string,
  yMax: number,
  body: string,
  legend: Series[] | string[],
  colours?: string[],
): string {
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const y = PAD.top + innerH * (1 - f);
      return `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y}" y2="${y}" stroke="#e5e7eb"/><text x="${PAD.left - 6}" y="${y + 4}" text-anchor="end" font-size="10">${+(yMax * f).toPrecision(3)}</text>`;
    })
    .join('');
  const names = legend.map((item) => (typeof item === 'string' ? item : item.label));
  const fills = legend.map((item, i) => (typeof item === 'string' ? (colours?.[i] ?? '#000') : item.colour));
  // Each legend entry as wide as its label (about 6.5 px a character at 11 px), so long ones do not overlap.
  let legendX = PAD.left;
  const legendSvg = names
    .map((name, i) => {
      const x = legendX;
      legendX += 14 + Math.ceil(name.length * 6.5) + 16;
      return `<rect x="${x}" y="6" width="10" height="10" fill="${fills[i]}"/><text x="${x + 14}" y="15" font-size="11">${escapeHtml(name)}</text>`;
    })
    .join('');
  return `<svg class="chart" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" xmlns="http://www.w3.org/2000/svg"><title>${escapeHtml(title)}</title>${ticks}<text x="12" y="${PAD.top + innerH / 2}" font-size="10" transform="rotate(-90 12 ${PAD.top + innerH / 2})" text-anchor="middle">${escapeHtml(yLabel)}</text>${legendSvg}${body}</svg>`;
}

/** A vertical line across a line chart at `x`, labelled: a fault striking, an act starting. */
export interface Marker {
  x: number;
  label: string;
}

/** Lines over a shared x axis (seconds into the phase), with optional markers. */
export function lineChart(
  title: string,
  yLabel: string,
  series: Series[],
  options: { markers?: Marker[]; xLabel?: string; xMax?: number; yMax?: number } = {},
): string {
  const markers = options.markers ?? [];
  const xMax =
    options.xMax ??
    Math.max(1, ...series.flatMap((s) => s.points.map(([x]) => x)), ...markers.map((m) => m.x));
  const yMax =
    options.yMax ?? niceMax(Math.max(0, ...series.flatMap((s) => s.points.map(([, y]) => y ?? 0))));
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const x = (v: number) => PAD.left + (v / xMax) * innerW;
  const y = (v: number) => PAD.top + innerH * (1 - v / yMax);
  // A run of one point is a dot: a lone second with a value must still show.
  const lines = series
    .flatMap((s) =>
      runsOf(s.points).map((run) =>
        run.length === 1
          ? `<circle class="series" data-series="${escapeHtml(s.label)}" cx="${x((run[0] as [number, number])[0]).toFixed(1)}" cy="${y((run[0] as [number, number])[1]).toFixed(1)}" r="2.5" fill="${s.colour}"/>`
          : `<polyline class="series" data-series="${escapeHtml(s.label)}" fill="none" stroke="${s.colour}" stroke-width="2" points="${run.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ')}"/>`,
      ),
    )
    .join('');
  const axis = `<text x="${PAD.left + innerW / 2}" y="${HEIGHT - 6}" font-size="10" text-anchor="middle">${escapeHtml(options.xLabel ?? 'seconds into the phase')}</text>`;
  const step = niceMax(xMax / 5);
  const xTicks = Array.from({ length: Math.floor(xMax / step) + 1 }, (_, i) => i * step)
    .map(
      (value) =>
        `<text x="${x(value).toFixed(1)}" y="${HEIGHT - 18}" font-size="9" text-anchor="middle">${value}</text>`,
    )
    .join('');
  // Markers alternate between two label rows so that faults close together stay readable.
  const marks = markers
    .map(
      (marker, i) =>
        `<g class="marker"><line x1="${x(marker.x).toFixed(1)}" x2="${x(marker.x).toFixed(1)}" y1="${PAD.top}" y2="${PAD.top + innerH}" stroke="#6b7280" stroke-dasharray="3 3"/><text x="${(x(marker.x) + 2).toFixed(1)}" y="${PAD.top + 10 + (i % 2) * 10}" font-size="8" fill="#374151">${escapeHtml(marker.label)}</text></g>`,
    )
    .join('');
  return frame(title, yLabel, yMax, marks + lines + axis + xTicks, series);
}

/** Grouped bars: one group per category, one bar per series. */
export function barChart(
  title: string,
  yLabel: string,
  categories: string[],
  series: Array<{ label: string; colour: string; values: number[] }>,
): string {
  const yMax = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const group = innerW / Math.max(1, categories.length);
  const barW = (group * 0.7) / Math.max(1, series.length);
  const bars = categories
    .map((category, ci) => {
      const bx = PAD.left + ci * group + group * 0.15;
      const rects = series
        .map((s, si) => {
          const value = s.values[ci] ?? 0;
          const h = (value / yMax) * innerH;
          return `<rect class="bar" data-series="${escapeHtml(s.label)}" x="${(bx + si * barW).toFixed(1)}" y="${(PAD.top + innerH - h).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${s.colour}"><title>${escapeHtml(`${s.label} ${category}: ${value}`)}</title></rect>`;
        })
        .join('');
      // "act:endpoint" labels on two lines, so long act names do not run into each other.
      const [first, second] = category.includes(':') ? category.split(':') : [category, ''];
      const cx = (bx + group * 0.35).toFixed(1);
      return `${rects}<text x="${cx}" y="${HEIGHT - 18}" font-size="9" text-anchor="middle"><tspan x="${cx}">${escapeHtml(first ?? '')}</tspan><tspan x="${cx}" dy="11">${escapeHtml(second ?? '')}</tspan></text>`;
    })
    .join('');
  return frame(
    title,
    yLabel,
    yMax,
    bars,
    series.map((s) => s.label),
    series.map((s) => s.colour),
  );
}

/**
 * One bar per row, labelled on the left with its value printed at its end: for a few categories with
 * long names (a ladder's rungs) where the numbers matter as much as their lengths.
 */
export function horizontalBars(
  title: string,
  xLabel: string,
  rows: Array<{ label: string; value: number; text: string; colour: string }>,
): string {
  const labelW = 190;
  const rowH = 22;
  const top = 8;
  const height = top + rows.length * rowH + 28;
  const innerW = WIDTH - labelW - 70;
  const xMax = niceMax(Math.max(0, ...rows.map((row) => (Number.isFinite(row.value) ? row.value : 0))));
  const bars = rows
    .map((row, i) => {
      const y = top + i * rowH;
      const w = Number.isFinite(row.value) ? (Math.max(0, row.value) / xMax) * innerW : 0;
      return `<text x="${labelW - 6}" y="${y + 14}" font-size="10" text-anchor="end">${escapeHtml(row.label)}</text><rect class="bar" x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 7}" fill="${row.colour}"><title>${escapeHtml(`${row.label}: ${row.text}`)}</title></rect><text x="${(labelW + w + 4).toFixed(1)}" y="${y + 14}" font-size="10">${escapeHtml(row.text)}</text>`;
    })
    .join('');
  const axisY = top + rows.length * rowH;
  const ticks = [0, 0.5, 1]
    .map((f) => {
      const x = labelW + innerW * f;
      return `<line x1="${x}" x2="${x}" y1="${top}" y2="${axisY}" stroke="#e5e7eb"/><text x="${x}" y="${axisY + 11}" font-size="9" text-anchor="middle">${+(xMax * f).toPrecision(3)}</text>`;
    })
    .join('');
  return `<svg class="chart" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title>${escapeHtml(title)}</title>${ticks}${bars}<text x="${labelW + innerW / 2}" y="${axisY + 24}" font-size="10" text-anchor="middle">${escapeHtml(xLabel)}</text></svg>`;
}
