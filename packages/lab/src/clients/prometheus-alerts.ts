import { setTimeout as sleep } from 'node:timers/promises';

type AlertState = 'firing' | 'pending';

/** Each alert Prometheus has pending or firing now, by name; undefined when it does not answer. */
export async function alertStates(prometheusUrl: string): Promise<Map<string, AlertState> | undefined> {
  try {
    const response = await fetch(`${prometheusUrl.replace(/\/$/, '')}/api/v1/alerts`, {
      signal: AbortSignal.timeout(2_000),
    });
    const body = (await response.json()) as {
      data: { alerts: Array<{ state: AlertState; labels: { alertname: string } }> };
    };
    const states = new Map<string, AlertState>();
    for (const alert of body.data.alerts) {
      if (states.get(alert.labels.alertname) !== 'firing') states.set(alert.labels.alertname, alert.state);
    }
    return states;
  } catch {
    return undefined;
  }
}

/** How many alerts fire now; undefined when Prometheus does not answer. */
export async function firingAlertCount(prometheusUrl: string): Promise<number | undefined> {
  const states = await alertStates(prometheusUrl);
  return states && [...states.values()].filter((state) => state === 'firing').length;
}

/**
 * Polls Prometheus until `done` holds for the alerts it reports, or `waitS` has passed, showing
 * which alerts are pending or firing on the progress line. Returns the last states seen.
 */
export async function awaitAlerts(
  prometheusUrl: string,
  waitS: number,
  done: (states: Map<string, AlertState>) => boolean,
  progress: (line: string) => void,
  what: string,
): Promise<Map<string, AlertState> | undefined> {
  const started = Date.now();
  let states: Map<string, AlertState> | undefined;
  for (;;) {
    states = await alertStates(prometheusUrl);
    const elapsedS = Math.round((Date.now() - started) / 1000);
    const shown = states
      ? [...states].map(([name, state]) => `${name} ${state}`).join(', ') || 'none'
      : 'no answer';
    progress(`[alerts] ${what} ${elapsedS}/${waitS} s: ${shown}`);
    if ((states && done(states)) || elapsedS >= waitS) break;
    await sleep(2_000);
  }
  progress('');
  return states;
}

export function firingNames(states: Map<string, AlertState> | undefined): string[] {
  return [...(states ?? [])].filter(([, state]) => state === 'firing').map(([name]) => name);
}
