import { ApiError, api, type ReportEntry, send } from '../api';
import { formatTime, h } from '../dom';

interface Audit {
  checkedAt: string;
  counts: Record<string, number>;
  findings: Record<string, string[]>;
}

/** Findings whose ids are order ids, payment ids or queues: each id becomes a trace search. */
const ID_ATTRIBUTE: Record<string, string | undefined> = {
  paymentsWithoutInvoice: 'shop.payment.id',
  unaccountedPayments: 'shop.payment.id',
  orphanPayments: 'shop.payment.id',
  deadLettered: undefined,
  unconsumedEvents: undefined,
  stuckKeys: undefined,
};

/**
 * The lab's runs: the reports under reports/ (each opened as written, with its broken/fixed pair
 * in the compare view), a `lab run` started from here with its output as it happens, and the
 * audit (`lab check`) with each finding's id linked to the traces that carry it.
 */
export async function runsView(root: HTMLElement, signal: AbortSignal): Promise<void> {
  const list = h('div');
  const output = h('pre', { className: 'run-output', 'aria-live': 'polite', hidden: true });
  const message = h('p', { className: 'message', role: 'status' });
  const labSelect = h(
    'select',
    { 'aria-label': 'lab to run' },
    ['smoke', 'cascading', 'partial', 'silent'].map((lab) => h('option', { value: lab }, lab)),
  );
  const durationInput = h('input', {
    type: 'number',
    min: 1,
    max: 600,
    placeholder: 'scenario’s',
    'aria-label': 'seconds per act',
  });
  const startButton = h('button', { type: 'button' }, 'Start lab run');
  const auditBox = h('div');
  const checkButton = h('button', { type: 'button' }, 'Run lab check');

  const follow = () => {
    output.hidden = false;
    output.textContent = '';
    const events = new EventSource('/api/runs/live');
    signal.addEventListener('abort', () => events.close());
    events.addEventListener('line', (event) => {
      output.textContent += `${JSON.parse((event as MessageEvent).data)}\n`;
      output.scrollTop = output.scrollHeight;
    });
    events.addEventListener('end', (event) => {
      const { exitCode, none } = JSON.parse((event as MessageEvent).data) as {
        exitCode: number | null;
        none?: boolean;
      };
      events.close();
      if (none) output.hidden = true;
      else message.textContent = `lab run finished (exit code ${exitCode}).`;
      startButton.disabled = false;
      void refresh();
    });
  };
  startButton.addEventListener('click', async () => {
    startButton.disabled = true;
    try {
      const durationS = durationInput.value ? Number(durationInput.value) : undefined;
      const started = await send<{ command: string }>('POST', '/api/runs', {
        lab: labSelect.value,
        durationS,
      });
      message.textContent = `${started.command} started: its output follows.`;
      follow();
    } catch (error) {
      message.textContent = error instanceof ApiError ? error.message : String(error);
      startButton.disabled = false;
    }
  });
  checkButton.addEventListener('click', async () => {
    checkButton.disabled = true;
    auditBox.replaceChildren(h('p', {}, 'Auditing every schema, ledger and queue…'));
    try {
      renderAudit(auditBox, await api<Audit>('/api/check'));
    } catch (error) {
      auditBox.replaceChildren(h('p', { className: 'message error' }, (error as Error).message));
    } finally {
      checkButton.disabled = false;
    }
  });

  const refresh = async () => {
    const answer = await api<{ reports: ReportEntry[]; live?: { lab: string; exitCode?: number | null } }>(
      '/api/runs',
    );
    list.replaceChildren(
      answer.reports.length === 0
        ? h(
            'p',
            { className: 'hint' },
            'No report yet: start a run above, or `npx lab run smoke` in a terminal.',
          )
        : h(
            'table',
            { className: 'runs' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['started', 'lab', 'verdict', 'report', 'broken beside fixed'].map((title) =>
                  h('th', {}, title),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              answer.reports.map((report) =>
                h(
                  'tr',
                  {},
                  h('td', {}, `${report.startedAt.slice(0, 10)} ${formatTime(Date.parse(report.startedAt))}`),
                  h('td', {}, report.lab),
                  h(
                    'td',
                    {},
                    report.passed === undefined ? '—' : report.passed ? '✓ held' : '✕ did not hold',
                  ),
                  h(
                    'td',
                    {},
                    h('a', { href: `/reports/${report.name}/report.html`, target: '_blank' }, report.name),
                  ),
                  h(
                    'td',
                    {},
                    report.compare
                      ? h(
                          'a',
                          { href: `#/compare/${report.compare.broken}/${report.compare.fixed}` },
                          `compare ${report.compare.endpoint}`,
                        )
                      : '—',
                  ),
                ),
              ),
            ),
          ),
    );
    return answer;
  };

  root.replaceChildren(
    h('h1', {}, 'Runs and audit'),
    h(
      'section',
      {},
      h('h2', {}, 'Run a lab'),
      h(
        'div',
        { className: 'row' },
        labSelect,
        h('label', {}, 'seconds per act ', durationInput),
        startButton,
      ),
      message,
      output,
    ),
    h('section', {}, h('h2', {}, 'Reports'), list),
    h(
      'section',
      {},
      h('h2', {}, 'Audit'),
      h(
        'p',
        { className: 'lead' },
        'lab check reads every schema, the providers’ ledgers and the queues, and lists what disagrees.',
      ),
      checkButton,
      auditBox,
    ),
  );
  const answer = await refresh();
  if (answer.live && answer.live.exitCode === undefined) {
    startButton.disabled = true;
    follow();
  }
}

function renderAudit(box: HTMLElement, audit: Audit): void {
  const broken = Object.entries(audit.findings).filter(([, ids]) => ids.length > 0);
  box.replaceChildren(
    h(
      'p',
      {},
      broken.length === 0
        ? `Checked ${formatTime(Date.parse(audit.checkedAt))}: every invariant holds.`
        : `Checked ${formatTime(Date.parse(audit.checkedAt))}: ${broken.length} invariants broken.`,
    ),
    h(
      'ul',
      { className: 'findings' },
      broken.map(([name, ids]) => {
        const attribute = name in ID_ATTRIBUTE ? ID_ATTRIBUTE[name] : 'shop.order.id';
        return h(
          'li',
          { 'data-invariant': name },
          h('strong', {}, `${name}: ${ids.length}`),
          ' ',
          ids.slice(0, 20).map((id) =>
            attribute
              ? h(
                  'a',
                  {
                    className: 'finding-id',
                    href: `#/traces?attr=${encodeURIComponent(`${attribute}=${id}`)}`,
                  },
                  id.slice(0, 8),
                )
              : h('code', {}, id),
          ),
          ids.length > 20 ? ` and ${ids.length - 20} more` : '',
        );
      }),
    ),
  );
}
