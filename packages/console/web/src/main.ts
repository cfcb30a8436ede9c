import './style.css';
import { api } from './api';
import { compareView } from './views/compare';
import { drillView } from './views/drill';
import { flagsView } from './views/flags';
import { runsView } from './views/runs';
import { signalsView } from './views/signals';
import { traceView } from './views/trace';
import { tracesView } from './views/traces';

const view = document.getElementById('view') as HTMLElement;
const status = document.getElementById('status') as HTMLElement;
let current = new AbortController();

/** Hash routes, so every view has an address a report or the CLI can link to. */
async function route(): Promise<void> {
  current.abort();
  current = new AbortController();
  const [path = '', query = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  const params = new URLSearchParams(query);
  for (const link of document.querySelectorAll('header nav a')) {
    const target = (link as HTMLAnchorElement).hash.split('/')[1];
    link.toggleAttribute(
      'aria-current',
      target === parts[0] || (target === 'traces' && parts[0] === 'trace'),
    );
  }
  try {
    switch (parts[0]) {
      case 'signals':
        return await signalsView(view, current.signal, parts[1] ?? 'cascading');
      case 'traces':
        return await tracesView(view, current.signal, params);
      case 'trace':
        return await traceView(view, current.signal, parts[1] ?? '');
      case 'compare':
        return await compareView(view, current.signal, parts[1] ?? '', parts[2] ?? '');
      case 'runs':
        return await runsView(view, current.signal);
      case 'drill':
        return await drillView(view, current.signal);
      default:
        return await flagsView(view, current.signal);
    }
  } catch (error) {
    view.textContent = `The console could not load this view: ${(error as Error).message}`;
  } finally {
    view.focus({ preventScroll: true });
  }
}

/** The header's line: which lab, how many spans the store holds. */
async function showStatus(): Promise<void> {
  try {
    const answer = await api<{
      namespace: string;
      spans: { stored: number; capacity: number; received: number };
    }>('/api/status');
    status.textContent = `lab "${answer.namespace}" · ${answer.spans.stored.toLocaleString()} / ${answer.spans.capacity.toLocaleString()} spans`;
  } catch {
    status.textContent = 'console not answering';
  }
}

window.addEventListener('hashchange', () => void route());
void route();
void showStatus();
setInterval(() => void showStatus(), 5_000);
