import { ApiError, api, type Flag, send } from '../api';
import { h } from '../dom';

interface FlagsAnswer {
  file: string;
  flags: Flag[];
  applied: Record<string, Record<string, unknown> | null>;
}

const LAB_TITLES: Record<string, string> = {
  all: 'Faults in the provider (every lab)',
  cascading: 'Lab 1 · Cascading failure',
  partial: 'Lab 2 · Partial failure',
  silent: 'Lab 3 · Silent failure',
};
const KIND_WORD: Record<string, string> = { fault: 'break', fix: 'fix', behaviour: 'choice' };

/**
 * Every flag by lab, with its variant as a select: a change is written to the flag file through the
 * same code as `lab flags set`, and each service's applied value is shown until all agree.
 */
export async function flagsView(root: HTMLElement, signal: AbortSignal): Promise<void> {
  const message = h('p', { className: 'message', role: 'status' });
  const body = h('div');
  root.replaceChildren(
    h('h1', {}, 'Flags'),
    h(
      'p',
      { className: 'lead' },
      'Break a lab with its faults, heal it with its fixes. Services read the flag file every 5 s; the columns on the right show what each one applies now.',
    ),
    message,
    body,
  );

  const render = (answer: FlagsAnswer) => {
    const services = Object.keys(answer.applied);
    const groups = new Map<string, Flag[]>();
    for (const flag of answer.flags) groups.set(flag.lab, [...(groups.get(flag.lab) ?? []), flag]);
    body.replaceChildren(
      ...[...groups].map(([lab, flags]) =>
        h(
          'section',
          { className: 'flag-group' },
          h('h2', {}, LAB_TITLES[lab] ?? lab),
          h(
            'table',
            { className: 'flags' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', {}, 'flag'),
                h('th', {}, 'variant'),
                h('th', {}, 'applied by the services'),
              ),
            ),
            h(
              'tbody',
              {},
              flags.map((flag) => {
                const appliedBy = services
                  .map((service) => [service, answer.applied[service]] as const)
                  .filter(([, flags]) => flags && flag.key in flags);
                const pending = appliedBy.filter(([, flags]) => String(flags?.[flag.key]) !== flag.variant);
                const select = h(
                  'select',
                  {
                    'aria-label': `${flag.key} variant`,
                    'data-flag': flag.key,
                    onchange: async () => {
                      select.disabled = true;
                      try {
                        await send('PUT', '/api/flags', { set: { [flag.key]: select.value } });
                        message.textContent = `${flag.key} = ${select.value}; waiting for the services to apply it…`;
                        message.className = 'message';
                        await refresh();
                      } catch (error) {
                        message.textContent = error instanceof ApiError ? error.message : String(error);
                        message.className = 'message error';
                        select.value = flag.variant;
                      } finally {
                        select.disabled = false;
                      }
                    },
                  },
                  Object.keys(flag.variants).map((variant) =>
                    h('option', { value: variant, selected: variant === flag.variant }, variant),
                  ),
                );
                return h(
                  'tr',
                  {
                    'data-flag-row': flag.key,
                    'data-variant': flag.variant,
                    className: flag.variant !== Object.keys(flag.variants)[0] ? 'changed' : '',
                  },
                  h(
                    'td',
                    {},
                    h('code', {}, flag.key),
                    ' ',
                    h('span', { className: `kind kind-${flag.kind}` }, KIND_WORD[flag.kind] ?? flag.kind),
                    h('div', { className: 'description' }, flag.description),
                  ),
                  h('td', {}, select),
                  h(
                    'td',
                    { className: 'applied', 'data-applied': pending.length === 0 ? 'all' : 'pending' },
                    appliedBy.length === 0
                      ? 'read by the lab CLI'
                      : pending.length === 0
                        ? `✓ ${appliedBy.map(([service]) => service).join(', ')}`
                        : `applying… ${pending.map(([service, flags]) => `${service}: ${String(flags?.[flag.key])}`).join(', ')}`,
                  ),
                );
              }),
            ),
          ),
        ),
      ),
      h('p', { className: 'hint' }, `Flag file: ${answer.file}`),
    );
  };

  const refresh = async () => render(await api<FlagsAnswer>('/api/flags'));
  await refresh();
  // While a change is being applied the page follows it every second; otherwise every 5 s.
  while (!signal.aborted) {
    const pending = body.querySelector('[data-applied="pending"]') !== null;
    await new Promise((resolve) => setTimeout(resolve, pending ? 1_000 : 5_000));
    if (signal.aborted || document.activeElement?.tagName === 'SELECT') continue;
    await refresh().catch(() => undefined);
  }
}
