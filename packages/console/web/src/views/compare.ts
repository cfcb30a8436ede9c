import { alignRows, rowKey } from '../../../src/trace-layout';
import { api, type Span } from '../api';
import { formatMs, h } from '../dom';
import { BROKEN, FIXED } from '../palette';
import { type SpanRow, spanBar, spanName, spanTree, timeAxis } from '../waterfall';

/**
 * Two traces side by side on the same time scale, spans aligned by service and operation: the
 * broken request and its fixed twin, so the difference is where one bar is long and the other short
 * (or missing).
 */
export async function compareView(
  root: HTMLElement,
  _signal: AbortSignal,
  broken: string,
  fixed: string,
): Promise<void> {
  let pair: Array<{ spans: Span[] }>;
  try {
    pair = await Promise.all([broken, fixed].map((id) => api<{ spans: Span[] }>(`/api/traces/${id}`)));
  } catch (error) {
    root.replaceChildren(
      h('h1', {}, 'Compare'),
      h('p', { className: 'message error', role: 'alert' }, (error as Error).message),
    );
    return;
  }
  const [left, right] = pair.map((trace) => {
    const origin = Math.min(...trace.spans.map((span) => span.startMs));
    const end = Math.max(...trace.spans.map((span) => span.startMs + span.durationMs));
    return { rows: spanTree(trace.spans), origin, duration: end - origin };
  }) as [Side, Side];
  const scale = Math.max(left.duration, right.duration, 0.001);
  root.replaceChildren(
    h('h1', {}, 'Broken beside fixed'),
    h(
      'p',
      { className: 'lead' },
      h('span', { className: 'swatch', style: { background: BROKEN } }),
      ` ${formatMs(left.duration)} `,
      h('a', { href: `#/trace/${broken}` }, broken.slice(0, 12)),
      '  vs  ',
      h('span', { className: 'swatch', style: { background: FIXED } }),
      ` ${formatMs(right.duration)} `,
      h('a', { href: `#/trace/${fixed}` }, fixed.slice(0, 12)),
      ` — one scale (${formatMs(scale)}), rows aligned by service and operation.`,
    ),
    h(
      'div',
      { className: 'compare', role: 'table', 'aria-label': 'Spans of both traces' },
      h(
        'div',
        { className: 'compare-row header', role: 'row' },
        h('div', {}, 'span'),
        h('div', {}, 'broken ', timeAxis(scale)),
        h('div', {}, 'fixed ', timeAxis(scale)),
      ),
      alignRows(left.rows, right.rows).map(([a, b]) =>
        h(
          'div',
          { className: 'compare-row', role: 'row', 'data-key': rowKey((a ?? b) as SpanRow) },
          spanName((a ?? b) as SpanRow),
          a
            ? spanBar(a.span, left.origin, scale)
            : h('div', { className: 'track missing' }, '— not in this trace'),
          b
            ? spanBar(b.span, right.origin, scale)
            : h('div', { className: 'track missing' }, '— not in this trace'),
        ),
      ),
    ),
  );
}

interface Side {
  rows: SpanRow[];
  origin: number;
  duration: number;
}
