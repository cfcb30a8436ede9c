import { ApiError, api, send } from '../api';
import { formatTime, h } from '../dom';

interface DrillAction {
  at: string;
  kind: string;
  text: string;
  answer: string;
  right?: boolean;
}

interface DrillView {
  running: boolean;
  seed?: number;
  level?: number;
  startedAt?: string;
  elapsedS?: number;
  requests?: number;
  failed?: number;
  actions?: DrillAction[];
  score?: number;
  reportUrl?: string;
  revealed?: Array<{ id: string; title: string; service: string; cause: string }>;
  choices: { services: string[]; causes: Record<string, string> };
}

const clock = (seconds: number) =>
  `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;

/**
 * The game day from the console: the drill's clock and the learner's moves (detect, diagnose, a hint,
 * a rollback), each carried out as `lab drill <action>` would; at the end, the faults named, the score
 * and the report. Nothing here names the hidden fault while the drill runs.
 */
export async function drillView(root: HTMLElement, signal: AbortSignal): Promise<void> {
  const first = await api<DrillView>('/api/drill');
  const { services, causes } = first.choices;
  const timer = h('p', { className: 'drill-clock', 'aria-live': 'off' });
  const message = h('p', { className: 'message', role: 'status' });
  const actions = h('ol', { className: 'drill-actions' });
  const ended = h('div');

  const act = async (body: Record<string, string>) => {
    message.textContent = '…';
    message.className = 'message';
    try {
      const answer = await send<{ answer: string; right?: boolean }>('POST', '/api/drill/actions', body);
      message.textContent = answer.answer;
      if (answer.right === false) message.className = 'message error';
      await refresh();
    } catch (error) {
      message.textContent = error instanceof ApiError ? error.message : String(error);
      message.className = 'message error';
    }
  };

  const note = h('input', { name: 'note', placeholder: 'checkouts fail with 402 since 10:42', size: 50 });
  const detectForm = h(
    'form',
    { className: 'drill-form' },
    h('label', {}, 'What do you see? ', note),
    h('button', { type: 'submit' }, 'Detect'),
  );
  detectForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void act({ action: 'detect', text: note.value });
  });
  const select = (name: string, options: Array<[string, string]>) =>
    h(
      'select',
      { name, 'aria-label': name },
      h('option', { value: '' }, `— ${name} —`),
      options.map(([value, text]) => h('option', { value, title: text }, value)),
    );
  const service = select(
    'service',
    services.map((each) => [each, each]),
  );
  const cause = select('cause', Object.entries(causes));
  const causeHelp = h('span', { className: 'hint' });
  cause.addEventListener('change', () => {
    causeHelp.textContent = causes[cause.value] ?? '';
  });
  const diagnoseForm = h(
    'form',
    { className: 'drill-form' },
    h('label', {}, 'Where is the cause? ', service),
    h('label', {}, ' What is it? ', cause),
    h('button', { type: 'submit' }, 'Diagnose'),
    causeHelp,
  );
  diagnoseForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void act({ action: 'diagnose', service: service.value, cause: cause.value });
  });
  const rollbackService = select(
    'rollback',
    services.map((each) => [each, each]),
  );
  const rollbackForm = h(
    'form',
    { className: 'drill-form' },
    h('label', {}, 'Roll back a service (its last release and settings) ', rollbackService),
    h('button', { type: 'submit' }, 'Roll back'),
  );
  rollbackForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void act({ action: 'rollback', service: rollbackService.value });
  });
  const hintButton = h('button', { type: 'button' }, 'A hint (costs 5 points)');
  hintButton.addEventListener('click', () => void act({ action: 'hint' }));
  const controls = h(
    'section',
    { className: 'drill-controls' },
    detectForm,
    diagnoseForm,
    rollbackForm,
    hintButton,
  );

  const render = (view: DrillView) => {
    controls.hidden = !view.running;
    timer.textContent = view.running
      ? `Drill running · ${clock(view.elapsedS ?? 0)} · ${view.requests ?? 0} requests, ${view.failed ?? 0} failed · seed ${view.seed}, level ${view.level}`
      : view.startedAt
        ? `The last drill (seed ${view.seed}) has ended.`
        : 'No drill yet. Start one from a terminal: npx lab drill (see npx lab drill --help). Fix flags are yours to turn on, on the Flags page.';
    actions.replaceChildren(
      ...(view.actions ?? []).map((action) =>
        h(
          'li',
          { className: action.right === false ? 'wrong' : action.right ? 'right' : '' },
          h('span', { className: 'time' }, formatTime(Date.parse(action.at))),
          ` ${action.kind}${action.text ? ` ${action.text}` : ''}: `,
          h('span', {}, action.answer),
        ),
      ),
    );
    ended.replaceChildren(
      ...(view.running || !view.revealed
        ? []
        : [
            h('h2', {}, `Score ${view.score ?? '—'} of 100`),
            h(
              'ul',
              {},
              view.revealed.map((fault) =>
                h('li', {}, `${fault.title} (${fault.service}; ${causes[fault.cause] ?? fault.cause})`),
              ),
            ),
            ...(view.reportUrl
              ? [
                  h(
                    'p',
                    {},
                    h(
                      'a',
                      { href: view.reportUrl },
                      'The report, the timeline and the incident report to finish',
                    ),
                  ),
                ]
              : []),
          ]),
    );
  };
  const refresh = async () => render(await api<DrillView>('/api/drill'));

  root.replaceChildren(
    h('h1', {}, 'Game day'),
    h(
      'p',
      { className: 'hint' },
      'Something will break, and nothing here will say what. Find it from the signals (Traces, Signals, the logs of a trace, lab check on Runs, the alerts), say what you see, name where and why, and end it.',
    ),
    timer,
    controls,
    message,
    h('h2', {}, 'Your moves'),
    actions,
    ended,
  );
  render(first);
  const ticker = setInterval(() => void refresh().catch(() => undefined), 2_000);
  signal.addEventListener('abort', () => clearInterval(ticker));
}
