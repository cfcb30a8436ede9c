import type { TraceViewer } from '../report/links';

/**
 * Jaeger when it answers at `jaegerUrl` (compose runs it), the lab console otherwise: a report's
 * trace links open where the traces are.
 */
export async function chooseTraceViewer(jaegerUrl: string, consoleUrl: string): Promise<TraceViewer> {
  const answers = await fetch(jaegerUrl, { signal: AbortSignal.timeout(1_000) })
    .then((response) => response.ok)
    .catch(() => false);
  const console = consoleUrl.replace(/\/$/, '');
  return answers
    ? { name: 'Jaeger', base: `${jaegerUrl.replace(/\/$/, '')}/trace/`, consoleUrl: console }
    : { name: 'the lab console', base: `${console}/#/trace/`, consoleUrl: console };
}
