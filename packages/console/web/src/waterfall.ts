import { type SpanRow as LayoutRow, labelPlacement, spanTree as layoutTree } from '../../src/trace-layout';
import type { Span } from './api';
import { formatMs, h } from './dom';
import { serviceColour } from './palette';

export type SpanRow = LayoutRow<Span>;

export function spanTree(spans: Span[]): SpanRow[] {
  return layoutTree(spans);
}

/** The wait for a pool connection is its own span; drawn hatched so it reads as waiting, not work. */
export function isWait(span: Span): boolean {
  return span.name === 'db.pool.acquire';
}

const LABEL_STYLE: Record<
  'right' | 'left' | 'inside',
  (left: number, width: number) => Record<string, string>
> = {
  right: (left, width) => ({ left: `${left + width}%`, marginLeft: '6px' }),
  left: (left) => ({ right: `${100 - left}%`, marginRight: '6px' }),
  inside: (left) => ({ left: `${left}%`, marginLeft: '6px', color: '#fff' }),
};

/** A span's bar on a time axis that starts at `originMs` and spans `scaleMs`. */
export function spanBar(span: Span, originMs: number, scaleMs: number): HTMLElement {
  const left = ((span.startMs - originMs) / scaleMs) * 100;
  const width = Math.max((span.durationMs / scaleMs) * 100, 0.3);
  return h(
    'div',
    { className: 'track' },
    h('div', {
      className: `bar${isWait(span) ? ' wait' : ''}${span.status === 'error' ? ' error' : ''}`,
      style: {
        left: `${left}%`,
        width: `${width}%`,
        background: isWait(span) ? undefined : serviceColour(span.service),
      },
      title: `${span.service} ${span.name}: ${formatMs(span.durationMs)}`,
    }),
    h(
      'span',
      { className: 'bar-label', style: LABEL_STYLE[labelPlacement(left, width)](left, width) },
      `${formatMs(span.durationMs)}${isWait(span) ? ' waiting for a connection' : ''}${span.status === 'error' ? ' ✕ error' : ''}`,
    ),
  );
}

export function spanName(row: SpanRow): HTMLElement {
  return h(
    'div',
    { className: 'span-name', style: { paddingLeft: `${row.depth * 14 + 4}px` } },
    h(
      'span',
      { className: 'service', style: { borderColor: serviceColour(row.span.service) } },
      row.span.service,
    ),
    ' ',
    h('span', { className: 'operation' }, row.span.name),
    row.span.kind === 'consumer' || row.span.kind === 'producer'
      ? h('span', { className: 'kind-tag' }, row.span.kind)
      : null,
  );
}

/** A time axis: ticks at round values across `scaleMs`. */
export function timeAxis(scaleMs: number): HTMLElement {
  const step =
    [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 60_000].find(
      (candidate) => scaleMs / candidate <= 8,
    ) ?? 60_000;
  const ticks: HTMLElement[] = [];
  for (let at = 0; at <= scaleMs; at += step) {
    ticks.push(h('span', { className: 'tick', style: { left: `${(at / scaleMs) * 100}%` } }, formatMs(at)));
  }
  return h('div', { className: 'axis', 'aria-hidden': 'true' }, ticks);
}

/** Attributes, events and links of one span, under the waterfall. */
export function spanDetails(span: Span, onLink: (traceId: string, spanId: string) => void): HTMLElement {
  const rows = Object.entries(span.attributes).sort(([a], [b]) => a.localeCompare(b));
  // The flags the span's work ran under that differ from the shipped file, one event per flag: a
  // table reads better than a list. A service's first span with none ran on the flags as shipped.
  const flags = span.events.filter((event) => event.name === 'feature_flag.evaluation');
  const events = span.events.filter((event) => event.name !== 'feature_flag.evaluation');
  return h(
    'section',
    { className: 'details', 'aria-label': 'Span details' },
    h('h3', {}, `${span.service} · ${span.name}`),
    h(
      'p',
      {},
      `${span.kind} span, ${formatMs(span.durationMs)}, status ${span.status}${span.statusMessage ? `: ${span.statusMessage}` : ''}`,
    ),
    isWait(span)
      ? h(
          'p',
          { className: 'callout' },
          'This span is the wait for a free connection in the pool: time spent queuing, not querying.',
        )
      : null,
    h(
      'table',
      { className: 'attributes' },
      h(
        'tbody',
        {},
        rows.map(([key, value]) => h('tr', {}, h('th', {}, key), h('td', {}, String(value)))),
      ),
    ),
    flags.length
      ? h(
          'div',
          {},
          h('h4', {}, 'Flags changed from the shipped file (feature_flag.evaluation events)'),
          h(
            'table',
            { className: 'attributes flags-in-force' },
            h(
              'tbody',
              {},
              flags.map((event) =>
                h(
                  'tr',
                  {},
                  h('th', {}, String(event.attributes['feature_flag.key'])),
                  h('td', {}, String(event.attributes['feature_flag.result.variant'])),
                ),
              ),
            ),
          ),
        )
      : span.kind === 'server' || span.kind === 'consumer'
        ? h('p', {}, 'No feature_flag.evaluation event: the flag file held every flag as shipped.')
        : null,
    events.length
      ? h(
          'div',
          {},
          h('h4', {}, 'Events'),
          h(
            'ul',
            {},
            events.map((event) =>
              h(
                'li',
                {},
                `+${formatMs(event.timeMs - span.startMs)} ${event.name} `,
                h('code', {}, JSON.stringify(event.attributes)),
              ),
            ),
          ),
        )
      : null,
    span.links.length
      ? h(
          'div',
          {},
          h('h4', {}, 'Links'),
          span.links.map((link) =>
            h(
              'button',
              { type: 'button', onclick: () => onLink(link.traceId, link.spanId) },
              `linked span ${link.spanId.slice(0, 8)} in trace ${link.traceId.slice(0, 8)}`,
            ),
          ),
        )
      : null,
  );
}
