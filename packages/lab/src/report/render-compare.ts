import { alignRows, labelPlacement, type SpanRow, type StoredSpan, spanTree } from '@incident-lab/console';
import { escapeHtml } from './html-escape';
import type { LabReport } from './report';

const SERVICE_COLOURS: Record<string, string> = {
  storefront: '#0072B2',
  payments: '#E69F00',
  'provider-primary': '#009E73',
  'provider-backup': '#CC79A7',
  invoicing: '#56B4E9',
  reconciler: '#D55E00',
};

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value >= 10 ? 0 : 1)} ms`;
}

/** Right of the bar; left of it when the bar ends near the track's end; inside a bar that fills it. */
function labelPlace(left: number, width: number): string {
  const place = labelPlacement(left, width);
  if (place === 'right') return `left:${(left + width).toFixed(2)}%;margin-left:4px`;
  if (place === 'left') return `right:${(100 - left).toFixed(2)}%;margin-right:4px`;
  return `left:${left.toFixed(2)}%;margin-left:4px;color:#fff`;
}

function bar(row: SpanRow<StoredSpan> | undefined, origin: number, scale: number): string {
  if (!row) return '<div class="track missing">— not in this trace</div>';
  const { span } = row;
  const left = ((span.startMs - origin) / scale) * 100;
  const width = Math.max((span.durationMs / scale) * 100, 0.3);
  const wait = span.name === 'db.pool.acquire';
  const style = wait ? '' : `background:${SERVICE_COLOURS[span.service] ?? '#555'};`;
  const label = `${ms(span.durationMs)}${wait ? ' waiting for a connection' : ''}${span.status === 'error' ? ' ✕ error' : ''}`;
  return `<div class="track"><div class="bar${wait ? ' wait' : ''}${span.status === 'error' ? ' error' : ''}" style="left:${left.toFixed(2)}%;width:${width.toFixed(2)}%;${style}"></div><span class="bar-label" style="${labelPlace(left, width)}">${escapeHtml(label)}</span></div>`;
}

/**
 * The scenario's compare request as a static waterfall, broken beside fixed on one time scale, rows
 * aligned by service and operation (the console's compare view, drawn into the page so the report
 * shows it offline). Only the ids and links when the spans were not read.
 */
export function compareSection(report: LabReport): string {
  const pair = report.compare;
  if (!pair) return '';
  const where = `${escapeHtml(pair.endpoint)}${pair.act ? ` in ${escapeHtml(pair.act)}` : ''}`;
  const links = `<a href="${escapeHtml(pair.links.broken)}">broken ${pair.broken.slice(0, 12)}…</a> · <a href="${escapeHtml(pair.links.fixed)}">fixed ${pair.fixed.slice(0, 12)}…</a> · <a href="${escapeHtml(pair.links.compare)}">side by side in the lab console</a>`;
  if (!pair.spans) {
    return `<section class="compare-pair"><h2>Broken beside fixed: the slowest ${where}</h2><p>${links}</p></section>`;
  }
  const sides = [pair.spans.broken, pair.spans.fixed].map((spans) => {
    const origin = Math.min(...spans.map((span) => span.startMs));
    const end = Math.max(...spans.map((span) => span.startMs + span.durationMs));
    return { rows: spanTree(spans), origin, duration: end - origin };
  }) as [Side, Side];
  const [broken, fixed] = sides;
  const scale = Math.max(broken.duration, fixed.duration, 0.001);
  const rows = alignRows(broken.rows, fixed.rows)
    .map(([a, b]) => {
      const row = (a ?? b) as SpanRow<StoredSpan>;
      return `<div class="wf-row"><div class="wf-name" style="padding-left:${row.depth * 12 + 4}px"><span class="svc" style="border-color:${SERVICE_COLOURS[row.span.service] ?? '#555'}">${escapeHtml(row.span.service)}</span> ${escapeHtml(row.span.name)}</div>${bar(a, broken.origin, scale)}${bar(b, fixed.origin, scale)}</div>`;
    })
    .join('');
  return `<section class="compare-pair"><h2>Broken beside fixed: the slowest ${where}</h2>
<p>${ms(broken.duration)} broken, ${ms(fixed.duration)} fixed, on one scale of ${ms(scale)}; each row is the same service and operation in both traces. Hatched bars are waits for a pool connection. ${links}</p>
<div class="waterfall"><div class="wf-row wf-head"><div>span</div><div>broken</div><div>fixed</div></div>${rows}</div></section>`;
}

interface Side {
  rows: Array<SpanRow<StoredSpan>>;
  origin: number;
  duration: number;
}

export const COMPARE_STYLE = `<style>
.waterfall{border:1px solid #e5e7eb;border-radius:6px;font-size:12px;margin:.6rem 0}
.wf-row{display:grid;grid-template-columns:minmax(240px,28%) 1fr 1fr;align-items:center;min-height:20px;border-bottom:1px solid #f1f5f9}
.wf-head{font-weight:600;background:#f8fafc}
.wf-name{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.svc{border-left:4px solid;padding:0 4px;background:#f3f4f6}
.track{position:relative;height:18px;margin:0 6px;overflow:hidden}.track+.track{border-left:1px solid #e5e7eb}
.track.missing{color:#6b7280;line-height:18px}
.bar{position:absolute;top:4px;height:10px;border-radius:2px;min-width:2px}
.bar.wait{background:repeating-linear-gradient(45deg,#D55E00 0 3px,#fff 3px 6px);border:1px solid #D55E00}
.bar.error{outline:2px solid #a40e26}
.bar-label{position:absolute;top:2px;color:#6b7280;font-size:11px;white-space:nowrap}
</style>`;
