import type { Observability } from '../settings/lab-options';

/**
 * Marks a flag change on every Grafana graph, so "before" and "after" are visible where people look.
 * Grafana is optional: when it does not answer, the caller notes it in the report and goes on.
 */
export async function annotate(
  grafanaUrl: string,
  auth: string,
  text: string,
  tags: string[],
): Promise<boolean> {
  try {
    const response = await fetch(`${grafanaUrl.replace(/\/$/, '')}/api/annotations`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(auth).toString('base64')}`,
      },
      body: JSON.stringify({ time: Date.now(), tags: ['incident-lab', ...tags], text }),
      signal: AbortSignal.timeout(2_000),
    });
    return response.ok;
  } catch {
    return false;
  }
}

/** Marks a flag change on the lab's Grafana; returns Grafana's URL when it took the mark. */
export async function annotateFlagChange(
  grafana: Pick<Observability, 'grafanaUrl' | 'grafanaAuth'>,
  text: string,
): Promise<string | undefined> {
  const marked = await annotate(grafana.grafanaUrl, grafana.grafanaAuth, text, ['flags']);
  return marked ? grafana.grafanaUrl : undefined;
}
