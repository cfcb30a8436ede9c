import { api, type TraceSummary } from '../api';
import { formatMs, formatTime, h } from '../dom';
import { serviceColour } from '../palette';

const FIELDS: Array<[string, string, string]> = [
  ['service', 'Service', 'storefront'],
  ['operation', 'Operation', 'POST /api/login'],
  ['minMs', 'Min duration (ms)', '1000'],
  ['traceId', 'Trace id', 'a1b2c3d4'],
  ['attr', 'Attribute', 'shop.order.id=42'],
];

/**
 * Search the console's trace store: by service, operation, minimum duration, error, trace id and
 * attribute (`shop.order.id`, `shop.idempotency.key`, `shop.payment.reference`). The query lives in the address,
 * so a report or `lab check` can link straight to it.
 */
export async function tracesView(
  root: HTMLElement,
  signal: AbortSignal,
  params: URLSearchParams,
): Promise<void> {
  const form = h(
    'form',
    { className: 'search', role: 'search' },
    FIELDS.map(([name, label, example]) =>
      h(
        'label',
        {},
        label,
        h('input', { name, value: params.get(name) ?? '', placeholder: example, autocomplete: 'off' }),
      ),
    ),
    h(
      'label',
      {},
      'Errors',
      h(
        'select',
        { name: 'error' },
        [
          ['', 'any'],
          ['true', 'with an error'],
          ['false', 'without'],
        ].map(([value, text]) =>
          h('option', { value, selected: (params.get('error') ?? '') === value }, text),
        ),
      ),
    ),
    h(
      'label',
      {
        title:
          'Relays polling, gauges counting, jobs that found nothing: work no request or message asked for',
      },
      h('input', {
        type: 'checkbox',
        name: 'background',
        value: 'true',
        checked: params.get('background') === 'true',
      }),
      ' background work too',
    ),
    h('button', { type: 'submit' }, 'Search'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const [key, value] of new FormData(form))
      if (String(value).trim()) query.set(key, String(value).trim());
    const next = `#/traces?${query}`;
    // The same search again must search again: new traces have come since (no hashchange fires).
    if (location.hash === next) void tracesView(root, signal, query);
    else location.hash = next;
  });
  const results = h('div', { className: 'results', 'aria-live': 'polite' });
  root.replaceChildren(h('h1', {}, 'Traces'), form, results);

  const query = new URLSearchParams([...params].filter(([, value]) => value));
  try {
    const answer = await api<{ traces: TraceSummary[]; searchedMs: number }>(`/api/traces?${query}`);
    const compareButton = h('button', { type: 'button', disabled: true }, 'Compare the two selected');
    const chosen: string[] = [];
    compareButton.addEventListener('click', () => {
      location.hash = `#/compare/${chosen[0]}/${chosen[1]}`;
    });
    results.replaceChildren(
      h(
        'p',
        { className: 'hint' },
        `${answer.traces.length} traces (newest first${params.get('background') === 'true' ? '' : '; background work hidden'}), searched in ${answer.searchedMs} ms. `,
        compareButton,
      ),
      answer.traces.length === 0
        ? h(
            'p',
            {},
            'No trace matches. Spans arrive a few seconds after the request (the SDK sends them in batches).',
          )
        : h(
            'table',
            { className: 'trace-list' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['', 'started', 'trace', 'answer', 'duration', 'spans', 'services'].map((title) =>
                  h('th', {}, title),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              answer.traces.map((trace) =>
                h(
                  'tr',
                  { className: trace.error ? 'error' : '' },
                  h(
                    'td',
                    {},
                    h('input', {
                      type: 'checkbox',
                      'aria-label': `select ${trace.traceId.slice(0, 8)} to compare`,
                      onchange: (event: Event) => {
                        const box = event.target as HTMLInputElement;
                        if (box.checked) chosen.push(trace.traceId);
                        else chosen.splice(chosen.indexOf(trace.traceId), 1);
                        compareButton.disabled = chosen.length !== 2;
                      },
                    }),
                  ),
                  h('td', {}, formatTime(trace.startMs)),
                  h(
                    'td',
                    {},
                    h('a', { href: `#/trace/${trace.traceId}` }, `${trace.service} ${trace.name}`),
                    trace.error ? h('span', { className: 'error-tag' }, ' ✕ error') : null,
                    h('div', { className: 'trace-id' }, trace.traceId),
                  ),
                  h(
                    'td',
                    { className: `number${(trace.status ?? 0) >= 400 ? ' bad-status' : ''}` },
                    trace.status ?? (trace.background ? 'background' : ''),
                  ),
                  h('td', { className: 'number' }, formatMs(trace.durationMs)),
                  h('td', { className: 'number' }, trace.spanCount),
                  h(
                    'td',
                    {},
                    trace.services.map((service) =>
                      h(
                        'span',
                        { className: 'service', style: { borderColor: serviceColour(service) } },
                        service,
                      ),
                    ),
                  ),
                ),
              ),
            ),
          ),
    );
  } catch (error) {
    results.replaceChildren(h('p', { className: 'message error', role: 'alert' }, (error as Error).message));
  }
}
