import { api, type LogLine, type Span } from '../api';
import { formatMs, formatTime, h } from '../dom';
import { spanBar, spanDetails, spanName, spanTree, timeAxis } from '../waterfall';

interface TraceAnswer {
  traceId: string;
  spans: Span[];
  logs: LogLine[];
}

/**
 * One trace as a waterfall: spans from every service on one time axis, in tree order (a message's
 * consume span sits under its publish span), the pool wait drawn as waiting; below it, the span's
 * attributes and events, and the log lines the trace wrote.
 */
export async function traceView(root: HTMLElement, _signal: AbortSignal, traceId: string): Promise<void> {
  let answer: TraceAnswer;
  try {
    answer = await api<TraceAnswer>(`/api/traces/${traceId}`);
  } catch (error) {
    root.replaceChildren(
      h('h1', {}, 'Trace'),
      h('p', { className: 'message error', role: 'alert' }, (error as Error).message),
    );
    return;
  }
  const rows = spanTree(answer.spans);
  const origin = Math.min(...answer.spans.map((span) => span.startMs));
  const end = Math.max(...answer.spans.map((span) => span.startMs + span.durationMs));
  const scale = Math.max(end - origin, 0.001);
  const details = h('div', {});
  const select = (span: Span) => {
    details.replaceChildren(
      spanDetails(span, (linkedTrace) => {
        location.hash = `#/trace/${linkedTrace}`;
      }),
    );
    for (const row of root.querySelectorAll('.span-row'))
      row.classList.toggle('selected', (row as HTMLElement).dataset.spanId === span.spanId);
  };
  const services = [...new Set(answer.spans.map((span) => span.service))];
  root.replaceChildren(
    h('h1', {}, 'Trace ', h('code', {}, answer.traceId)),
    h(
      'p',
      { className: 'lead' },
      `${formatMs(scale)} across ${services.join(', ')}; ${answer.spans.length} spans, started ${formatTime(origin)}. `,
      h('a', { href: `#/traces?traceId=${answer.traceId}` }, 'in the list'),
    ),
    h(
      'div',
      { className: 'waterfall', role: 'list', 'aria-label': 'Spans' },
      h('div', { className: 'span-row header' }, h('div', {}, 'span'), timeAxis(scale)),
      rows.map((row) =>
        h(
          'div',
          {
            className: 'span-row',
            role: 'listitem',
            tabindex: 0,
            'data-span-id': row.span.spanId,
            'data-service': row.span.service,
            'data-kind': row.span.kind,
            'data-parent': row.span.parentSpanId ?? '',
            onclick: () => select(row.span),
            onkeydown: (event: KeyboardEvent) => {
              if (event.key === 'Enter' || event.key === ' ') {
                event.preventDefault();
                select(row.span);
              }
            },
          },
          spanName(row),
          spanBar(row.span, origin, scale),
        ),
      ),
    ),
    details,
    h('h2', {}, 'Log lines of this trace'),
    answer.logs.length === 0
      ? h('p', { className: 'hint' }, 'No log line carries this trace id.')
      : h(
          'table',
          { className: 'logs' },
          h(
            'tbody',
            {},
            answer.logs.map((log) =>
              h(
                'tr',
                { className: `level-${log.level}` },
                h('td', {}, formatTime(log.timeMs)),
                h('td', {}, log.service),
                h('td', { className: 'level' }, log.level.toUpperCase()),
                h(
                  'td',
                  {},
                  log.message,
                  ' ',
                  h(
                    'code',
                    {},
                    Object.entries(log.fields)
                      .filter(([key]) => key !== 'service.name')
                      .map(([key, value]) => `${key}=${value}`)
                      .join(' '),
                  ),
                ),
              ),
            ),
          ),
        ),
  );
  const first = rows.find((row) => row.span.status === 'error') ?? rows[0];
  if (first) select(first.span);
}
